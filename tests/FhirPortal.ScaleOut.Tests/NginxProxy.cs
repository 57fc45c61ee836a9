using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace FhirPortal.ScaleOut.Tests;

/// <summary>
/// nginx run in the foreground by tests/scaleout/nginx.sh in a folder of its own, a child process tracked by pid (and
/// watched by tests/watch.sh, so it goes with a killed test host): https://127.0.0.1:Port round-robin to both
/// instances, and one port per instance (same forwarded host) for the steps that need a particular one.
/// </summary>
internal sealed class NginxProxy : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(1);
    private readonly Process _process;
    private readonly X509Certificate2 _certificate;

    private NginxProxy(Process process, string folder, int port, int portA, int portB)
    {
        _process = process;
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

    /// <summary>
    /// Starts nginx and waits until its three ports accept connections; throws with the script's message when it
    /// cannot (not installed, bad config), after killing whatever it had started.
    /// </summary>
    public static async Task<NginxProxy> StartAsync(string script, string folder, int upstreamA, int upstreamB)
    {
        var (port, portA, portB) = (RepoScripts.FreePort(), RepoScripts.FreePort(), RepoScripts.FreePort());
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, folder, $"{port}", $"{portA}", $"{portB}", $"127.0.0.1:{upstreamA}", $"127.0.0.1:{upstreamB}" })
            info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start tests/scaleout/nginx.sh");
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            await RepoScripts.WatchAsync(process.Id);
            var clock = Stopwatch.StartNew();
            while (!await ListeningAsync(port, portA, portB))
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"tests/scaleout/nginx.sh failed ({process.ExitCode}): {(await error).Trim()}");
                if (clock.Elapsed > StartTimeout) throw new TimeoutException($"nginx did not listen within {StartTimeout}");
                await Task.Delay(100);
            }
            return new NginxProxy(process, folder, port, portA, portB);
        }
        catch
        {
            await StopAsync(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>A handler that trusts exactly this proxy's self-signed certificate (and nothing else that is not trusted anyway).</summary>
    public HttpClientHandler Handler(bool cookies, CookieContainer? jar = null)
    {
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = cookies,
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || certificate?.Thumbprint == _certificate.Thumbprint,
        };
        if (jar is not null) handler.CookieContainer = jar;
        return handler;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_process);
        _process.Dispose();
        _certificate.Dispose();
    }

    /// <summary>Kills the script or the nginx master it became (exec) together with its worker.</summary>
    private static async Task StopAsync(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { return; /* exited already */ }
        await process.WaitForExitAsync();
    }

    private static async Task<bool> ListeningAsync(params int[] ports)
    {
        foreach (var port in ports)
        {
            using var socket = new TcpClient();
            try { await socket.ConnectAsync(IPAddress.Loopback, port); }
            catch (SocketException) { return false; }
        }
        return true;
    }
}
