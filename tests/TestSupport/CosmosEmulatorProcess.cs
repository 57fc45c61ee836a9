using System.Diagnostics;

namespace FhirPortal.TestSupport;

/// <summary>
/// Starts tests/cosmos-emulator/server.js (@vercel/cosmosdb-server behind our wrapper) on a free loopback port and
/// stops it again. Shared by the store tests' fixture and the Server tests' Cosmos mode (linked into both projects).
/// The wrapper exits when its standard input closes, so even a test process that dies never leaves it running.
/// </summary>
internal sealed class CosmosEmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;

    private CosmosEmulatorProcess(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>The emulator's base address, e.g. http://127.0.0.1:41234/.</summary>
    public string Endpoint { get; }

    /// <summary>The emulator accepts any base64 key.</summary>
    public static string Key { get; } = Convert.ToBase64String(new byte[64]);

    public const string Database = "fhirportal-tests";

    /// <summary>Starts the emulator; throws with the reason (not installed, node missing, no "listening" line) when it cannot.</summary>
    public static async Task<CosmosEmulatorProcess> StartAsync()
    {
        // The SDK must never probe the Azure VM metadata address from a test machine (the store also sets this for emulators).
        Environment.SetEnvironmentVariable("COSMOS_DISABLE_IMDS_ACCESS", "true");
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
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        try
        {
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"node server.js exited with {(process.WaitForExit(1000) ? process.ExitCode : -1)}");
            const string prefix = "listening ";
            if (!line.StartsWith(prefix, StringComparison.Ordinal)) throw new InvalidOperationException("unexpected emulator output: " + line);
            return new CosmosEmulatorProcess(process, line[prefix.Length..] + "/");
        }
        catch
        {
            Stop(process);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing its standard input stops the wrapper; kill it only if it does not go.
        try { _process.StandardInput.Close(); }
        catch (IOException) { /* already gone */ }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { Stop(_process); }
        _process.Dispose();
    }

    /// <summary>Synchronous stop for process-exit handlers (no awaiting there).</summary>
    public void Stop()
    {
        try { _process.StandardInput.Close(); }
        catch (IOException) { /* already gone */ }
        if (!_process.WaitForExit(5000)) Stop(_process);
    }

    private static void Stop(Process process)
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { /* exited meanwhile */ }
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
