using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace FhirPortal.Benchmarks;

/// <summary>Writes BENCHMARKS.md: machine, commit, date, method, every table, the targets, and the hand-written profile summary.</summary>
internal sealed class ReportWriter(string repoRoot, BenchmarkOptions options)
{
    /// <summary>Hand-written "where the time goes" (profiles of the server), kept out of the generated file so reruns keep it.</summary>
    public const string ProfileFile = "BENCHMARKS-profile.md";

    private readonly DateTime _started = DateTime.UtcNow;
    private readonly double _loadAtStart = LoadAverage();

    public string Markdown(IEnumerable<Table> tables, Targets targets)
    {
        var loadAtEnd = LoadAverage();
        var cores = Environment.ProcessorCount;
        var md = new StringBuilder();
        md.AppendLine("# FhirPortal benchmarks").AppendLine();
        md.AppendLine("Produced by `dotnet run -c Release --project tests/FhirPortal.Benchmarks" + (Args.Length > 0 ? " -- " + Args : "") +
                      "` (do not edit by hand; rerun it). Options are listed at the top of tests/FhirPortal.Benchmarks/Program.cs.").AppendLine();
        if (Math.Max(_loadAtStart, loadAtEnd) > cores)
            md.AppendLine(Invariant($"> **The machine was loaded** (1-minute load average {_loadAtStart:F1} at the start, {loadAtEnd:F1} at the end, on {cores} cores): other processes competed for the CPU, so every figure below is **noisy**: it understates the server and is not comparable with a quiet run.")).AppendLine();

        md.AppendLine("## Machine").AppendLine();
        md.AppendLine("| | |\n| --- | --- |");
        md.AppendLine($"| CPU | {CpuModel()} |");
        md.AppendLine($"| cores (logical, visible to .NET) | {cores} |");
        md.AppendLine($"| OS | {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}) |");
        md.AppendLine($"| .NET | {RuntimeInformation.FrameworkDescription} |");
        md.AppendLine($"| git commit | {Git("rev-parse --short HEAD")}{(Git("status --porcelain --untracked-files=no").Length > 0 ? " (with uncommitted changes)" : "")} |");
        md.AppendLine($"| date (UTC) | {_started:yyyy-MM-dd HH:mm} |");
        md.AppendLine(Invariant($"| load average (1 min) | {_loadAtStart:F1} at start, {loadAtEnd:F1} at end |"));
        md.AppendLine().AppendLine("## Method").AppendLine();
        md.AppendLine("* The server is the Release build of src/FhirPortal.Server in its own process (`dotnet FhirPortal.Server.dll`, Production, " +
                      "security off, warnings-only logging) on a free loopback port, served by Kestrel over HTTP/1.1, with SQLite in a new temp folder.");
        md.AppendLine("* The load generator is this harness: one HttpClient over a pooled SocketsHttpHandler (a connection per worker), " +
                      "closed-loop workers, pre-built request URIs, response bodies read into a reused buffer and not parsed. " +
                      "\"load generator CPU\" is its CPU time as a share of the CPU time both processes used over the run (from /proc): " +
                      "a high share means the figure is partly the client's limit. \"server CPU ms\" is the server process's CPU time per " +
                      "request, resource or record: on a busy machine it moves much less than the rates do.");
        md.AppendLine(Invariant($"* Every figure is the median of {options.Runs} run(s) of {options.Duration:0.#} s after a {options.Warmup:0.#} s warm-up (ingest and export: one pass per run). ") +
                      Invariant($"\"runs (spread)\" gives (max − min) / median of the main figure; above {Fmt.Percent(Figure.NoisySpread)} it is flagged **noisy**."));
        md.AppendLine("* References are measured in the same run on the same machine: raw SQLite (the same rows into an empty database; the " +
                      "server's read query), raw JSON (Utf8JsonReader + Utf8JsonWriter over the exported resources, every core), raw HTTP " +
                      "(Kestrel returning pre-serialized bytes). \"x of y\" is the figure as a fraction of its reference y.");
        if (options.Quick) md.AppendLine("* `--quick`: one short run with few patients, for development; not a result to quote.");
        md.AppendLine();
        foreach (var table in tables) md.AppendLine(table.Markdown());
        md.AppendLine(targets.Table.Markdown());
        md.AppendLine("## Where the time goes").AppendLine();
        var profile = Path.Combine(repoRoot, ProfileFile);
        md.AppendLine(File.Exists(profile)
            ? File.ReadAllText(profile).Trim()
            : $"No profile summary yet. It is written by hand in `{ProfileFile}` (dotnet-trace / dotnet-counters over a run of this harness) and included here on the next run.");
        return md.ToString();
    }

    private string Args => string.Join(' ', Environment.GetCommandLineArgs().Skip(1));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public static double LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture); }
        catch (IOException) { return double.NaN; }
        catch (UnauthorizedAccessException) { return double.NaN; }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }

    private string Git(string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = repoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception) { return "unknown"; }
    }
}
