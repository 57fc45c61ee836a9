using System.Diagnostics;

namespace FhirPortal.ScaleOut.Tests;

/// <summary>
/// One FhirPortal server in its own process (the dll built beside this project, Production environment) on a fixed
/// loopback port, so it can be killed like a crashed machine and started again on the same address nginx knows.
/// </summary>
internal sealed class ServerInstance : IAsyncDisposable
{
    private readonly string _name;
    private readonly string[] _arguments;
    private readonly Queue<string> _lastLines = new();
    private Process? _process;

    public ServerInstance(string name, int port, string dataDirectory, IEnumerable<string> settings)
    {
        _name = name;
        Port = port;
        Directory.CreateDirectory(dataDirectory);
        _arguments =
        [
            ServerDll, "--urls", $"http://127.0.0.1:{port}", "--environment", "Production",
            $"--FhirPortal:DataDirectory={dataDirectory}", .. settings,
        ];
    }

    public int Port { get; }

    /// <summary>src/FhirPortal.Server/bin/{Configuration}/{tfm}/FhirPortal.Server.dll, the build this test was built with.</summary>
    public static string ServerDll
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(RepoScripts.Root ?? "", "src", "FhirPortal.Server", "bin", here.Parent!.Name, here.Name, "FhirPortal.Server.dll");
        }
    }

    /// <summary>The last lines the process wrote (for failure messages).</summary>
    public string Output
    {
        get { lock (_lastLines) return $"[{_name}] " + string.Join("\n", _lastLines); }
    }

    /// <summary>Whether the process runs (it is not started yet, or was killed, otherwise).</summary>
    public bool Running => _process is { HasExited: false };

    /// <summary>Starts the process and waits until /health/ready answers 200.</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        if (Running) throw new InvalidOperationException($"{_name} runs already");
        _process?.Dispose();
        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(ServerDll)!, UseShellExecute = false,
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var argument in _arguments) info.ArgumentList.Add(argument);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // The Cosmos SDK must never probe the Azure VM metadata address from a test machine.
        info.Environment["COSMOS_DISABLE_IMDS_ACCESS"] = "true";
        _process = Process.Start(info) ?? throw new InvalidOperationException($"{_name}: dotnet did not start");
        // A test run that ends without disposing the fixture must not leave the server behind: killed on a normal
        // exit, and by the watchdog when the test host itself is killed (no handler runs then).
        var process = _process;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } };
        try { await RepoScripts.WatchAsync(process.Id); }
        catch { await KillAsync(); throw; }
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}/"), Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{_name} exited ({_process.ExitCode}):\n{Output}");
            try
            {
                using var response = await client.GetAsync("health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) { /* still starting */ }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{_name} was not ready after {timeout.TotalSeconds:F0} s:\n{Output}");
    }

    /// <summary>Kills the process at once (no graceful shutdown): a crashed instance.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 60) _lastLines.Dequeue();
        }
    }

    private static string DotnetHost()
    {
        var host = Environment.ProcessPath;
        if (host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet") return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        var candidate = root is null ? null : Path.Combine(root, "dotnet");
        return candidate is not null && File.Exists(candidate) ? candidate : "dotnet";
    }
}
