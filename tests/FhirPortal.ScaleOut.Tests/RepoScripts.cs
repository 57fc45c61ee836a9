using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FhirPortal.ScaleOut.Tests;

/// <summary>Finds the repository's test scripts and files beside the test binaries and runs them; hands out free loopback ports.</summary>
internal static class RepoScripts
{
    /// <summary>The repository root (the folder holding tests/scaleout), or null when the binaries were moved away from it.</summary>
    public static string? Root { get; } = FindRoot();

    public static string? Find(string relativePath) =>
        Root is not null && File.Exists(Path.Combine(Root, relativePath)) ? Path.Combine(Root, relativePath) : null;

    public static async Task<(int Code, string Output, string Error)> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [script, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Has tests/watch.sh SIGTERM (then SIGKILL) <paramref name="childPid"/> once this test host is gone, also when it
    /// is killed and cannot dispose anything; the watch ends by itself when the child exits first.
    /// </summary>
    public static async Task WatchAsync(int childPid)
    {
        var script = Find("tests/watch.sh") ?? throw new InvalidOperationException("tests/watch.sh not found beside the test binaries");
        var (code, _, error) = await RunAsync(script, $"{Environment.ProcessId}", $"{childPid}");
        if (code != 0) throw new InvalidOperationException($"tests/watch.sh failed ({code}): {error.Trim()}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "tests", "scaleout", "nginx.sh"))) return dir.FullName;
        return null;
    }
}
