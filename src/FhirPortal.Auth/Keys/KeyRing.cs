using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FhirPortal.Auth.Keys;

/// <summary>
/// Persisted, rotating key pairs in the data directory (keys/{purpose}-{notBefore}.pfx), wrapped in self-signed
/// certificates so OpenIddict picks the right one by validity: each key signs for one rotation period and stays
/// published (and usable for validation) for one more. The next key is made ahead of time, so rotation happens
/// while the server runs; a restart keeps every unexpired key, so tokens stay valid across restarts.
/// </summary>
public static class KeyRing
{
    public static IReadOnlyList<X509Certificate2> Load(string dataDirectory, string purpose, TimeSpan period, DateTimeOffset now)
    {
        var folder = Path.Combine(dataDirectory, "keys");
        Directory.CreateDirectory(folder);
        var keys = new List<X509Certificate2>();
        foreach (var file in Directory.GetFiles(folder, $"{purpose}-*.pfx"))
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(file, null, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
            // Note: a key past its validation window can no longer verify a live token; drop it for good.
            if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime) { certificate.Dispose(); File.Delete(file); continue; }
            keys.Add(certificate);
        }

        var utcNow = now.UtcDateTime;
        var current = keys.FirstOrDefault(k => k.NotBefore.ToUniversalTime() <= utcNow && k.NotBefore.ToUniversalTime() + period > utcNow);
        if (current is null) keys.Add(current = Create(folder, purpose, now, period));
        var nextStart = new DateTimeOffset(current.NotBefore.ToUniversalTime()) + period;
        if (!keys.Any(k => k.NotBefore.ToUniversalTime() >= nextStart.UtcDateTime.AddSeconds(-1)))
            keys.Add(Create(folder, purpose, nextStart, period));
        return keys;
    }

    private static X509Certificate2 Create(string folder, string purpose, DateTimeOffset notBefore, TimeSpan period)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN=FhirPortal {purpose} key", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var usage = purpose == "signing" ? X509KeyUsageFlags.DigitalSignature : X509KeyUsageFlags.KeyEncipherment;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        // Whole seconds: certificates keep second precision, and the file name must match what is read back.
        var start = DateTimeOffset.FromUnixTimeSeconds(notBefore.ToUnixTimeSeconds());
        using var created = request.CreateSelfSigned(start, start + period + period);
        var bytes = created.Export(X509ContentType.Pfx);
        var path = Path.Combine(folder, $"{purpose}-{start.ToUnixTimeSeconds()}.pfx");
        File.WriteAllBytes(path, bytes);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return X509CertificateLoader.LoadPkcs12(bytes, null, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
    }
}
