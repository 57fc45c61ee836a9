using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace FhirPortal.Benchmarks;

/// <summary>
/// A server in its own process on a free loopback port: the FhirPortal Release build (Production, security off, quiet
/// logging, a temp SQLite folder) or this harness in raw-HTTP mode. Its own process, so its CPU time and memory can be
/// told apart from the load generator's.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    // Children still running when the harness exits (an exception, Ctrl+C) are killed, never left behind.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Process> Running = new();

    static ServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillRunning();
        Console.CancelKeyPress += (_, _) => KillRunning();
    }

    private static void KillRunning()
    {
        foreach (var process in Running.Values)
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { /* already gone */ }
        }
    }

    private ServerProcess(Process process, Uri baseAddress, string? dataDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public string? DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory ?? throw new InvalidOperationException("No data directory."), "fhirportal.db");

    /// <summary>User + system CPU time of the server process so far (from /proc on Linux).</summary>
    public TimeSpan CpuTime
    {
        get { _process.Refresh(); return _process.TotalProcessorTime; }
    }

    public long WorkingSet
    {
        get { _process.Refresh(); return _process.WorkingSet64; }
    }

    /// <summary>The FhirPortal server built next to this harness (same configuration, e.g. Release) on a data folder; <paramref name="settings"/> are extra <c>--Key=value</c> arguments.</summary>
    public static async Task<ServerProcess> StartFhirAsync(string repoRoot, string dataDirectory, params string[] settings)
    {
        // This harness runs from tests/FhirPortal.Benchmarks/bin/{Configuration}/{tfm}/; the server was built alongside.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(repoRoot, "src", "FhirPortal.Server", "bin", here.Parent!.Name, here.Name, "FhirPortal.Server.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the server first (dotnet build -c {here.Parent.Name}): {dll} is missing.");
        Directory.CreateDirectory(dataDirectory);
        var port = FreePort();
        string[] args =
        [
            dll, "--urls", $"http://127.0.0.1:{port}", "--environment", "Production",
            $"--FhirPortal:DataDirectory={dataDirectory}", "--FhirPortal:Security:Enabled=false",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
            .. settings,
        ];
        var server = Start(DotnetHost(), args, Path.GetDirectoryName(dll)!, port, dataDirectory);
        // Minutes on the shared 2-core machine under load (start-up compiles the validation schemas).
        await server.WaitReadyAsync("health/ready", TimeSpan.FromMinutes(10));
        // The id is what dotnet-trace / dotnet-counters need to profile the server during a scenario.
        Console.WriteLine($"  server pid {server._process.Id} at {server.BaseAddress} (data {dataDirectory})");
        return server;
    }

    /// <summary>This harness in <c>--serve-raw-http</c> mode, answering every GET with the bytes of <paramref name="bodyFile"/>.</summary>
    public static async Task<ServerProcess> StartRawHttpAsync(string bodyFile)
    {
        var port = FreePort();
        var self = typeof(ServerProcess).Assembly.Location;
        var host = Environment.ProcessPath!;
        // Under `dotnet x.dll` the host is dotnet; under the apphost it is this program itself.
        var (file, args) = Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? (host, new[] { self, RawHttpReference.ServeFlag, port.ToString(), bodyFile })
            : (host, new[] { RawHttpReference.ServeFlag, port.ToString(), bodyFile });
        var server = Start(file, args, AppContext.BaseDirectory, port, null);
        await server.WaitReadyAsync("health/live", TimeSpan.FromMinutes(1));
        return server;
    }

    private static ServerProcess Start(string file, string[] args, string workingDirectory, int port, string? dataDirectory)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory, UseShellExecute = false,
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        Running[process.Id] = process;
        return new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"), dataDirectory);
    }

    private async Task WaitReadyAsync(string path, TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The server exited ({_process.ExitCode}):\n{Output}");
            try
            {
                using var response = await client.GetAsync(path);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) { /* still starting */ }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The server at {BaseAddress} was not ready after {timeout.TotalSeconds:F0} s:\n{Output}");
    }

    public string Output
    {
        get { lock (_lastLines) return string.Join('\n', _lastLines); }
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40) _lastLines.Dequeue();
        }
    }

    /// <summary>Stops the server gracefully (SIGTERM, as a service manager would), killing it if it hangs.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        if (OperatingSystem.IsWindows()) _process.Kill(entireProcessTree: true);
        else _ = Kill(_process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Running.TryRemove(_process.Id, out _);
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string DotnetHost()
    {
        var host = Environment.ProcessPath;
        if (host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet") return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        var candidate = root is null ? null : Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return candidate is not null && File.Exists(candidate) ? candidate : "dotnet";
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
