using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FhirPortal.TestSupport;
using Npgsql;

namespace FhirPortal.Auth.Tests.ScaleOut;

/// <summary>
/// A throwaway PostgreSQL started by tests/postgres/start.sh (a cluster in a temp folder, on a free loopback port) for
/// the test class that uses it; each host gets a database of its own (<see cref="NewDatabaseAsync"/>). When PostgreSQL
/// cannot start the tests are skipped with the reason, and fail with CI=true (<see cref="TestRequirements"/>).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fhirportal-postgres", Guid.NewGuid().ToString("N"));
    private string? _script;
    private string? _problem;

    /// <summary>The server's "postgres" database (for creating the others).</summary>
    public string? ConnectionString { get; private set; }

    public async Task InitializeAsync()
    {
        _script = FindScript();
        if (_script is null) { _problem = "tests/postgres/start.sh not found beside the test binaries"; return; }
        // With this host's pid: tests/watch.sh stops the cluster when the test host is killed without disposing this.
        var (code, output, error) = await RunAsync(_script, _folder, FreePort().ToString(), Environment.ProcessId.ToString());
        if (code != 0) { _problem = $"tests/postgres/start.sh failed ({code}): {error.Trim()}"; return; }
        ConnectionString = output.Trim().Split('\n')[^1];
    }

    /// <summary>A new, empty database for one host; skips (or fails in CI) the test when PostgreSQL is not available.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        if (ConnectionString is null) throw TestRequirements.Missing(_problem ?? "PostgreSQL did not start");
        var name = "auth_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>A connection string naming a database that does not exist yet (the server must create it).</summary>
    public string MissingDatabase()
    {
        if (ConnectionString is null) throw TestRequirements.Missing(_problem ?? "PostgreSQL did not start");
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "auth_" + Guid.NewGuid().ToString("N") }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        // Pooled connections of the hosts would keep the server busy; it is stopped immediately anyway.
        NpgsqlConnection.ClearAllPools();
        if (_script is not null && ConnectionString is not null) await RunAsync(_script, "--stop", _folder);
        FhirPortalHost.TryDelete(_folder);
    }

    private static string? FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "postgres", "start.sh");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [script, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
