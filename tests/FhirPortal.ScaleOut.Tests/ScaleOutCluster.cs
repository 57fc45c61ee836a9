using System.Net.Http.Headers;
using FhirPortal.TestSupport;
using Npgsql;

namespace FhirPortal.ScaleOut.Tests;

/// <summary>
/// The scaled-out deployment of issue 26 on one machine: PostgreSQL (tests/postgres/start.sh) as the shared account
/// database, the Cosmos emulator as the shared store, two server processes A and B (security on, one export folder,
/// loopback trusted as the proxy, each with its own data folder like separate machines) and nginx with TLS in front
/// (tests/scaleout/nginx.sh). A missing nginx, PostgreSQL or emulator skips the tests (fails them with CI=true); an
/// instance that does not start fails them.
/// </summary>
public sealed class ScaleOutCluster : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fhirportal-scaleout", Guid.NewGuid().ToString("N"));
    private string? _missing, _postgresScript;
    private Exception? _failure;
    private CosmosEmulatorProcess? _emulator;
    private ServerInstance? _a, _b;
    private NginxProxy? _proxy;

    internal ServerInstance A => _a!;
    internal ServerInstance B => _b!;
    internal NginxProxy Proxy => _proxy!;

    /// <summary>Export jobs page through the store one resource at a time, so a job of a few hundred resources runs long enough to be interrupted.</summary>
    public const int ExportPageSize = 1;

    public async Task InitializeAsync()
    {
        _postgresScript = RepoScripts.Find("tests/postgres/start.sh");
        var nginxScript = RepoScripts.Find("tests/scaleout/nginx.sh");
        if (_postgresScript is null || nginxScript is null || !File.Exists(ServerInstance.ServerDll))
        {
            _missing = $"tests/postgres/start.sh, tests/scaleout/nginx.sh or {ServerInstance.ServerDll} not found beside the test binaries";
            return;
        }
        var (code, _, error) = await RepoScripts.RunAsync(nginxScript, "--install");
        if (code != 0) { _missing = "nginx: " + error.Trim(); return; }
        // With this host's pid: the cluster is stopped by tests/watch.sh when the test host is killed.
        (code, var output, error) = await RepoScripts.RunAsync(_postgresScript, Path.Combine(_folder, "postgres"), $"{RepoScripts.FreePort()}", $"{Environment.ProcessId}");
        if (code != 0) { _missing = $"tests/postgres/start.sh failed ({code}): {error.Trim()}"; return; }
        var accounts = output.Trim().Split('\n')[^1];
        try { _emulator = await CosmosEmulatorProcess.StartAsync(); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            _missing = "the Cosmos emulator did not start: " + e.Message;
            return;
        }

        try
        {
            string[] settings =
            [
                "--FhirPortal:Storage:Provider=Cosmos", $"--FhirPortal:Storage:Cosmos:Endpoint={_emulator.Endpoint}",
                $"--FhirPortal:Storage:Cosmos:Key={CosmosEmulatorProcess.Key}", $"--FhirPortal:Storage:Cosmos:Database={CosmosEmulatorProcess.Database}",
                $"--FhirPortal:Storage:Cosmos:Container=scaleout-{Guid.NewGuid():N}",
                "--FhirPortal:Auth:Database:Provider=PostgreSql", $"--FhirPortal:Auth:Database:ConnectionString={accounts}",
                "--FhirPortal:Proxy:KnownNetworks:0=127.0.0.0/8",
                $"--FhirPortal:Export:Directory={Path.Combine(_folder, "export")}", $"--FhirPortal:Export:PageSize={ExportPageSize}",
                // Plain resources without the portal's profiles; the Notifications worker and read audit are not what is tested here.
                "--FhirPortal:Validation:RequireProfiles=", "--FhirPortal:Notifications:Background=false", "--FhirPortal:Audit:Reads=false",
                "--Logging:LogLevel:Default=Warning",
                .. SmartSignIn.ClientSettings(),
            ];
            var (portA, portB) = (RepoScripts.FreePort(), RepoScripts.FreePort());
            _a = new ServerInstance("A", portA, Path.Combine(_folder, "a"), settings);
            _b = new ServerInstance("B", portB, Path.Combine(_folder, "b"), settings);
            // One after the other: the first migrates the account database and creates the Cosmos container.
            await _a.StartAsync(StartTimeout);
            await SmartSignIn.CreateAccountAsync(accounts);
            await _b.StartAsync(StartTimeout);
            _proxy = await NginxProxy.StartAsync(nginxScript, Path.Combine(_folder, "nginx"), portA, portB);
        }
        catch (Exception e) { _failure = e; }
    }

    /// <summary>Throws when the cluster is not there: a skip (or a CI failure) for a missing tool, a failure for a server that did not start.</summary>
    public void Require()
    {
        if (_missing is not null) throw TestRequirements.Missing(_missing);
        if (_failure is not null) throw new InvalidOperationException("The scale-out cluster did not start: " + _failure.Message, _failure);
    }

    /// <summary>
    /// A client for one of the proxy's URLs; with a token it sends it as the bearer; with <paramref name="jar"/> it
    /// shares cookies with the other clients given the same jar (one browser talking to both instances).
    /// </summary>
    internal HttpClient Client(Uri baseUrl, string? accessToken = null, bool cookies = false, System.Net.CookieContainer? jar = null)
    {
        var client = new HttpClient(Proxy.Handler(cookies || jar is not null, jar)) { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };
        if (accessToken is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        return client;
    }

    /// <summary>What both instances wrote last, for failure messages.</summary>
    internal string ServerOutput => $"{_a?.Output}\n{_b?.Output}";

    public async Task DisposeAsync()
    {
        if (_proxy is not null) await _proxy.DisposeAsync();
        if (_a is not null) await _a.DisposeAsync();
        if (_b is not null) await _b.DisposeAsync();
        if (_emulator is not null) await _emulator.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (_postgresScript is not null) await RepoScripts.RunAsync(_postgresScript, "--stop", Path.Combine(_folder, "postgres"));
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* a file still held open: the temp folder is cleaned by the system */ }
        catch (UnauthorizedAccessException) { }
    }
}
