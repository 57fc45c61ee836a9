using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace FhirPortal.ScaleOut.Tests;

/// <summary>
/// nginx started by tests/scaleout/nginx.sh in a folder of its own: https://127.0.0.1:Port round-robin to both
/// instances, and one port per instance (same forwarded host) for the steps that need a particular one.
/// </summary>
internal sealed class NginxProxy : IAsyncDisposable
{
    private readonly string _script, _folder;
    private readonly X509Certificate2 _certificate;

    private NginxProxy(string script, string folder, int port, int portA, int portB)
    {
        (_script, _folder) = (script, folder);
        PublicUrl = new Uri($"https://127.0.0.1:{port}/");
        ThroughA = new Uri($"https://127.0.0.1:{portA}/");
        ThroughB = new Uri($"https://127.0.0.1:{portB}/");
        _certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(folder, "tls.crt"));
    }

    /// <summary>The proxy's public URL: what links, Location, issuer and <c>iss</c> must carry.</summary>
    public Uri PublicUrl { get; }

    /// <summary>The proxy's port that reaches instance A only (the same public host is forwarded).</summary>
    public Uri ThroughA { get; }

    public Uri ThroughB { get; }

    /// <summary>Starts nginx; throws with the script's message when it cannot (not installed, bad config).</summary>
    public static async Task<NginxProxy> StartAsync(string script, string folder, int upstreamA, int upstreamB)
    {
        var (port, portA, portB) = (RepoScripts.FreePort(), RepoScripts.FreePort(), RepoScripts.FreePort());
        var (code, _, error) = await RepoScripts.RunAsync(script, folder, $"{port}", $"{portA}", $"{portB}",
            $"127.0.0.1:{upstreamA}", $"127.0.0.1:{upstreamB}");
        if (code != 0) throw new InvalidOperationException($"tests/scaleout/nginx.sh failed ({code}): {error.Trim()}");
        return new NginxProxy(script, folder, port, portA, portB);
    }

    /// <summary>A handler that trusts exactly this proxy's self-signed certificate (and nothing else that is not trusted anyway).</summary>
    public HttpClientHandler Handler(bool cookies) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = cookies,
        ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            errors == SslPolicyErrors.None || certificate?.Thumbprint == _certificate.Thumbprint,
    };

    public async ValueTask DisposeAsync()
    {
        await RepoScripts.RunAsync(_script, "--stop", _folder);
        _certificate.Dispose();
    }
}
