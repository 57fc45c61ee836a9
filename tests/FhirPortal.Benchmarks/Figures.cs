namespace FhirPortal.Benchmarks;

/// <summary>
/// One measured run: <see cref="Rate"/> is the scenario's figure per second (requests, resources or records),
/// latencies in ms, CPU seconds of the load generator (this process) and of the server process.
/// </summary>
internal sealed record Sample(double Rate, double P50, double P99, double MBps, double ClientCpu, double ServerCpu, long Errors, double Seconds, long Count)
{
    public string? FirstError { get; init; }

    /// <summary>A scenario-specific extra figure (peak server memory MB, disk bytes per resource).</summary>
    public double Extra { get; init; } = double.NaN;

    /// <summary>The load generator's part of the CPU time the two processes used.</summary>
    public double ClientShare => ClientCpu / (ClientCpu + ServerCpu);

    public double ServerCpuMs => ServerCpu * 1000 / Count;
}

/// <summary>Medians over several runs of one scenario, with the spread of the main figure.</summary>
internal sealed record Figure(double Rate, double P50, double P99, double MBps, double ClientShare, double Extra, long Errors, int Runs, double Spread)
{
    /// <summary>(max - min) / median of the main figure above which a figure is flagged as noisy.</summary>
    public const double NoisySpread = 0.15;

    public bool Noisy => Runs > 1 && Spread > NoisySpread;

    /// <summary>Median server CPU milliseconds per counted item (request, resource or record): less sensitive to a busy machine than rates.</summary>
    public double ServerCpuMs { get; init; } = double.NaN;

    public static Figure Of(IReadOnlyList<Sample> runs)
    {
        var rate = Stats.Median(runs.Select(r => r.Rate));
        var spread = rate > 0 ? (runs.Max(r => r.Rate) - runs.Min(r => r.Rate)) / rate : 0;
        return new Figure(rate, Stats.Median(runs.Select(r => r.P50)), Stats.Median(runs.Select(r => r.P99)),
            Stats.Median(runs.Select(r => r.MBps)), Stats.Median(runs.Select(r => r.ClientShare)),
            Stats.Median(runs.Select(r => r.Extra)), runs.Sum(r => r.Errors), runs.Count, spread)
        {
            ServerCpuMs = Stats.Median(runs.Select(r => r.ServerCpuMs)),
        };
    }
}

internal static class Stats
{
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>CPU ms per item of a reference measured inside the harness (its own CPU time is the work).</summary>
    public static string InProcessCpu(IEnumerable<Sample> runs) => Fmt.Cpu(Median(runs.Select(r => r.ClientCpu * 1000 / r.Count))) + " (in harness)";

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
