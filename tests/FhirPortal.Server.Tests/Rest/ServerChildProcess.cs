using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>
/// The real server (FhirPortal.Server.dll, built beside this test project) in its own process on a loopback port and
/// a data folder, security off, so a test can kill it with SIGKILL mid-request and look at what the disk kept.
/// </summary>
internal sealed class ServerChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ServerChildProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public static async Task<ServerChildProcess> StartAsync(string dataDirectory)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(ServerDll())!, UseShellExecute = false,
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            ServerDll(), "--urls", $"http://127.0.0.1:{port}", "--environment", "Production",
            $"--FhirPortal:DataDirectory={dataDirectory}", "--FhirPortal:Security:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        }) info.ArgumentList.Add(arg);
        var server = new ServerChildProcess(Process.Start(info) ?? throw new InvalidOperationException("The server did not start."),
            new Uri($"http://127.0.0.1:{port}/"));
        try { await server.WaitReadyAsync(TimeSpan.FromMinutes(4)); }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    /// <summary>SIGKILL on Linux, at once (the server has no child processes): no shutdown code runs, nothing is flushed by the process.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The server exited ({_process.ExitCode}):\n{Output}");
            try
            {
                using var response = await client.GetAsync("health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) { /* still starting */ }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The server was not ready after {timeout.TotalSeconds:F0} s:\n{Output}");
    }

    private string Output
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

    // This test runs from tests/FhirPortal.Server.Tests/bin/{Configuration}/{tfm}/; the server is built to the same
    // configuration and framework under src/FhirPortal.Server/bin as a project reference.
    private static string ServerDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FhirPortal.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException($"No FhirPortal.sln above {here.FullName}.");
        var dll = Path.Combine(root.FullName, "src", "FhirPortal.Server", "bin", here.Parent!.Name, here.Name, "FhirPortal.Server.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The server build is missing: {dll}.");
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
