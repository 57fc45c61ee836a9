using System.Diagnostics;
using FhirPortal.Storage.Cosmos;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>
/// Runs tests/cosmos-emulator/server.js (@vercel/cosmosdb-server behind our wrapper) on a free loopback port for a
/// test collection. In CI (CI=true) a missing or failing emulator fails the tests; elsewhere they return early
/// with <see cref="Unavailable"/> as the reason (run tests/cosmos-emulator/install.sh to set it up).
/// </summary>
public sealed class CosmosEmulator : IAsyncLifetime
{
    private Process? _process;

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public string? Endpoint { get; private set; }

    public string? Unavailable { get; private set; }

    /// <summary>Options for a container of its own (tests never see each other's data).</summary>
    public CosmosStoreOptions NewContainer(TimeSpan? lease = null) => new()
    {
        Endpoint = Endpoint ?? throw new InvalidOperationException(Unavailable),
        // The emulator accepts any base64 key.
        Key = Convert.ToBase64String(new byte[64]),
        Database = "fhirportal-tests",
        Container = "c" + Guid.NewGuid().ToString("N"),
        TransactionLease = lease ?? TimeSpan.FromSeconds(30),
    };

    public async Task InitializeAsync()
    {
        // The SDK must never probe the Azure VM metadata address from a test machine (the store also sets this for emulators).
        Environment.SetEnvironmentVariable("COSMOS_DISABLE_IMDS_ACCESS", "true");
        try
        {
            Endpoint = await StartAsync();
        }
        catch (Exception e) when (!InCi)
        {
            Unavailable = "Skipped: the Cosmos emulator is not available (" + e.Message + ")";
        }
    }

    private async Task<string> StartAsync()
    {
        var folder = FindFolder() ?? throw new InvalidOperationException("tests/cosmos-emulator not found beside the test binaries");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@vercel", "cosmosdb-server")))
            throw new InvalidOperationException($"its npm packages are not installed: run {Path.Combine(folder, "install.sh")}");
        var start = new ProcessStartInfo("node", ["server.js", "--port", "0", "--host", "127.0.0.1"])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await _process.StandardOutput.ReadLineAsync(timeout.Token)
            ?? throw new InvalidOperationException($"node server.js exited with {(_process.WaitForExit(1000) ? _process.ExitCode : -1)}");
        const string prefix = "listening ";
        if (!line.StartsWith(prefix, StringComparison.Ordinal)) throw new InvalidOperationException("unexpected emulator output: " + line);
        return line[prefix.Length..] + "/";
    }

    public async Task DisposeAsync()
    {
        if (_process is null) return;
        // Closing its standard input stops the wrapper; kill it only if it does not go.
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        _process.Dispose();
    }

    private static string? FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "cosmos-emulator");
            if (File.Exists(Path.Combine(candidate, "server.js"))) return candidate;
        }
        return null;
    }
}

[CollectionDefinition(Name)]
public sealed class CosmosCollection : ICollectionFixture<CosmosEmulator>
{
    public const string Name = "Cosmos emulator";
}
