using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace FhirPortal.Auth.Data;

/// <summary>The authorization server's own database (auth.db): accounts, OpenIddict's clients/grants/tokens, launches, seen assertion ids.</summary>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : IdentityDbContext<PortalUser>(options)
{
    public DbSet<LaunchContext> Launches => Set<LaunchContext>();
    public DbSet<SeenAssertion> SeenAssertions => Set<SeenAssertion>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<LaunchContext>().HasKey(l => l.Id);
        builder.Entity<SeenAssertion>().HasKey(a => a.Key);
        builder.Entity<SeenAssertion>().HasIndex(a => a.ExpiresAt);
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
