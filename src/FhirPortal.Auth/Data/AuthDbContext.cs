using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace FhirPortal.Auth.Data;

/// <summary>
/// The authorization server's own database (auth.db or PostgreSQL): accounts, OpenIddict's clients/grants/tokens, launches,
/// seen assertion ids, and the keys every instance shares (Data Protection key ring, token signing/encryption keys).
/// </summary>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : IdentityDbContext<PortalUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<ServerKey> ServerKeys => Set<ServerKey>();
    public DbSet<LaunchContext> Launches => Set<LaunchContext>();
    public DbSet<SeenAssertion> SeenAssertions => Set<SeenAssertion>();
    public DbSet<ActivationCode> ActivationCodes => Set<ActivationCode>();
    public DbSet<RegistrationThrottle> RegistrationThrottles => Set<RegistrationThrottle>();
    public DbSet<NoticePreference> NoticePreferences => Set<NoticePreference>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<LaunchContext>().HasKey(l => l.Id);
        builder.Entity<SeenAssertion>().HasKey(a => a.Key);
        builder.Entity<SeenAssertion>().HasIndex(a => a.ExpiresAt);
        builder.Entity<ActivationCode>().HasKey(c => c.PatientId);
        builder.Entity<RegistrationThrottle>().HasKey(t => t.Mrn);
        builder.Entity<NoticePreference>().HasKey(p => new { p.PatientId, p.Kind });
        builder.Entity<PortalUser>().HasIndex(u => u.OrganizationId);
        builder.Entity<PortalUser>().HasIndex(u => u.FhirUser);
        // Note: the key is the rotation guard: two instances making the same period's key collide here, one wins.
        builder.Entity<ServerKey>().HasKey(k => new { k.Purpose, k.NotBefore });
    }
}

/// <summary>An EHR launch: an opaque, single-use value bound to a patient and optionally an encounter.</summary>
public sealed class LaunchContext
{
    public string Id { get; set; } = "";
    public string? Patient { get; set; }
    public string? Encounter { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
}

/// <summary>A client assertion's <c>jti</c> (per issuer), kept until the assertion expires so it cannot be replayed.</summary>
public sealed class SeenAssertion
{
    /// <summary><c>client_id</c> + " " + <c>jti</c>.</summary>
    public string Key { get; set; } = "";
    public DateTime ExpiresAt { get; set; }
}

/// <summary>A patient's current activation code (one per patient: issuing a new one replaces it). Only a hash is kept.</summary>
public sealed class ActivationCode
{
    /// <summary>The Patient's logical id.</summary>
    public string PatientId { get; set; } = "";
    /// <summary>A salted hash of the code; the code itself is shown once to the staff member who issued it.</summary>
    public string CodeHash { get; set; } = "";
    public DateTime IssuedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    /// <summary>The account (user name) or client that issued it.</summary>
    public string IssuedBy { get; set; } = "";
}

/// <summary>Failed self-registration attempts per medical record number, so guessing codes for one MRN is slowed down.</summary>
public sealed class RegistrationThrottle
{
    public string Mrn { get; set; } = "";
    public int Failures { get; set; }
    public DateTime? LockedUntil { get; set; }
}

/// <summary>
/// A patient's channel for one kind of notice (reminders, results, messages, billing): <c>email</c>, <c>sms</c> or <c>none</c>.
/// </summary>
/// <remarks>
/// Kept here, beside the accounts that set it and the verified numbers it depends on, not on the FHIR Patient: it is a
/// portal setting, not clinical data. Keyed by the patient, not the account, because notices are addressed to the
/// patient: every account linked to the patient (a patient's own and, say, a proxy's) sees and sets the same choice.
/// </remarks>
public sealed class NoticePreference
{
    /// <summary>The Patient's logical id.</summary>
    public string PatientId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Channel { get; set; } = "";
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// One OpenIddict signing or encryption key: a self-signed certificate with its private key (PKCS#12), signing for the
/// rotation period starting at <see cref="NotBefore"/> and published until <see cref="NotAfter"/>.
/// </summary>
public sealed class ServerKey
{
    /// <summary><c>signing</c> or <c>encryption</c>.</summary>
    public string Purpose { get; set; } = "";
    /// <summary>The start of the rotation period the key signs for (UTC, aligned to the period).</summary>
    public DateTime NotBefore { get; set; }
    public DateTime NotAfter { get; set; }
    /// <summary>The certificate and private key as PKCS#12 without a password (see README "Running several instances").</summary>
    public byte[] Pkcs12 { get; set; } = [];
}
