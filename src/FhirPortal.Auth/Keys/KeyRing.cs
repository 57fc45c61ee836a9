using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FhirPortal.Auth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Auth.Keys;

/// <summary>
/// Rotating key pairs in the account database (<see cref="ServerKey"/> rows), wrapped in self-signed certificates so
/// OpenIddict picks the right one by validity: each key signs for one rotation period and stays published (and usable
/// for validation) for one more. Periods are aligned to the clock (multiples of the period), so every instance names
/// the same period the same way; the key of a period is made once, the primary key (purpose, not-before) deciding a
/// race, and the loser reads the winner's key. The next key is made a period ahead, so each instance publishes it long
/// before it signs.
/// </summary>
public sealed class KeyRing(IServiceScopeFactory scopes, AuthDatabaseMigration migration, ILogger<KeyRing> logger)
{
    public const string Signing = "signing", Encryption = "encryption";

    private readonly ConcurrentDictionary<string, IReadOnlyList<X509Certificate2>> _lastLoaded = new();

    /// <summary>
    /// The unexpired keys of <paramref name="purpose"/>, making the current and the next period's key when missing.
    /// When the database fails after a first successful load, the keys of the last load (the next key is made a
    /// period ahead, so they still sign) are returned: a refresh runs on a timer thread, where an exception would end
    /// the process.
    /// </summary>
    public IReadOnlyList<X509Certificate2> Load(string purpose, TimeSpan period, DateTimeOffset now)
    {
        try
        {
            return _lastLoaded[purpose] = LoadFromDatabase(purpose, period, now);
        }
        catch (Exception e) when (_lastLoaded.TryGetValue(purpose, out var kept))
        {
            logger.LogError(e, "Refreshing the {Purpose} keys from the account database failed; the keys loaded last stay in use", purpose);
            return kept;
        }
    }

    private IReadOnlyList<X509Certificate2> LoadFromDatabase(string purpose, TimeSpan period, DateTimeOffset now)
    {
        migration.EnsureMigrated();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var utcNow = now.UtcDateTime;
        // Note: a key past its validation window can no longer verify a live token; drop it for good (any instance may).
        db.ServerKeys.Where(k => k.Purpose == purpose && k.NotAfter < utcNow).ExecuteDelete();

        var current = PeriodStart(utcNow, period);
        Ensure(db, purpose, current, period);
        Ensure(db, purpose, current + period, period);
        return [.. db.ServerKeys.AsNoTracking().Where(k => k.Purpose == purpose && k.NotAfter >= utcNow).OrderBy(k => k.NotBefore)
            .AsEnumerable().Select(k => X509CertificateLoader.LoadPkcs12(k.Pkcs12, null, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet))];
    }

    /// <summary>
    /// Moves the key files of earlier versions ({DataDirectory}/keys/{purpose}-{notBefore}.pfx) into the database, so
    /// tokens issued before the upgrade stay valid; expired ones are just deleted.
    /// </summary>
    public void ImportFiles(string folder, DateTimeOffset now)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.GetFiles(folder, "*.pfx"))
        {
            var purpose = Path.GetFileName(file).Split('-')[0];
            if (purpose is Signing or Encryption)
            {
                using var certificate = X509CertificateLoader.LoadPkcs12FromFile(file, null, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
                if (certificate.NotAfter.ToUniversalTime() >= now.UtcDateTime) Import(purpose, certificate);
            }
            File.Delete(file);
        }
    }

    private void Import(string purpose, X509Certificate2 certificate)
    {
        migration.EnsureMigrated();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var notBefore = certificate.NotBefore.ToUniversalTime();
        if (db.ServerKeys.Any(k => k.Purpose == purpose && k.NotBefore == notBefore)) return;
        TryAdd(db, new ServerKey { Purpose = purpose, NotBefore = notBefore, NotAfter = certificate.NotAfter.ToUniversalTime(), Pkcs12 = certificate.Export(X509ContentType.Pfx) });
    }

    /// <summary>The start of the rotation period holding <paramref name="utc"/>: a multiple of the period.</summary>
    public static DateTime PeriodStart(DateTime utc, TimeSpan period) => new(utc.Ticks / period.Ticks * period.Ticks, DateTimeKind.Utc);

    private static void Ensure(AuthDbContext db, string purpose, DateTime notBefore, TimeSpan period)
    {
        if (db.ServerKeys.Any(k => k.Purpose == purpose && k.NotBefore == notBefore)) return;
        var notAfter = notBefore + period + period;
        TryAdd(db, new ServerKey { Purpose = purpose, NotBefore = notBefore, NotAfter = notAfter, Pkcs12 = Create(purpose, notBefore, notAfter) });
    }

    private static void TryAdd(AuthDbContext db, ServerKey key)
    {
        db.ServerKeys.Add(key);
        try { db.SaveChanges(); }
        catch (DbUpdateException)
        {
            // Another instance made this period's key first: its row is the one everybody uses.
            db.ChangeTracker.Clear();
            if (!db.ServerKeys.Any(k => k.Purpose == key.Purpose && k.NotBefore == key.NotBefore)) throw;
        }
    }

    private static byte[] Create(string purpose, DateTime notBefore, DateTime notAfter)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN=FhirPortal {purpose} key", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var usage = purpose == Signing ? X509KeyUsageFlags.DigitalSignature : X509KeyUsageFlags.KeyEncipherment;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var created = request.CreateSelfSigned(notBefore, notAfter);
        return created.Export(X509ContentType.Pfx);
    }
}
