using System.Globalization;

namespace FhirPortal.Benchmarks;

/// <summary>The harness's command line (documented at the top of Program.cs).</summary>
internal sealed record BenchmarkOptions
{
    public int Runs { get; init; } = 3;
    public double Duration { get; init; } = 5;
    public double Warmup { get; init; } = 1;
    /// <summary>Generated patients posted at each ingest concurrency level.</summary>
    public int Patients { get; init; } = 48;
    /// <summary>Patients of another seed posted, untimed, before each ingest level: enough for the JIT's tier-up to finish, so the level measures a warm server.</summary>
    public int WarmupPatients { get; init; } = 12;
    public int ResourcesPerPatient { get; init; } = 150;
    /// <summary>The ingest concurrency levels (the raw SQLite reference is measured after the first).</summary>
    public IReadOnlyList<int> IngestLevels { get; init; } = IngestBenchmark.Levels;
    /// <summary>Size of the large generated patient for $everything.</summary>
    public int LargePatient { get; init; } = 10_000;
    /// <summary>Synthea patient bundles to load (0 = all); fewer keeps development runs short.</summary>
    public int SyntheaPatients { get; init; }
    public bool Quick { get; init; }
    public bool Write { get; init; } = true;
    public bool KeepData { get; init; }
    public bool Validation { get; init; } = true;
    /// <summary>Only the generated-data ingest levels and their raw SQLite reference (for work on the write path); never writes BENCHMARKS.md.</summary>
    public bool IngestOnly { get; init; }
    /// <summary>Only the in-process validation cost (no server); prints the table, never writes BENCHMARKS.md.</summary>
    public bool ValidationOnly { get; init; }
    /// <summary>Only the in-process indexing cost, compiled paths against the interpreter (no server); prints the table, never writes BENCHMARKS.md.</summary>
    public bool IndexingOnly { get; init; }
    /// <summary>Skip the generated-data ingest levels (the Synthea load and everything after it still run).</summary>
    public bool SkipIngest { get; init; }
    /// <summary>Only the Synthea load, then read by id and its raw HTTP / raw SQLite references (for work on the read path); never writes BENCHMARKS.md.</summary>
    public bool ReadsOnly { get; init; }
    /// <summary>With --audit: every access its own AuditEvent (the worst case, each access a different patient); never writes BENCHMARKS.md.</summary>
    public bool Unaggregated { get; init; }
    /// <summary>Another checkout whose Release server the main run starts instead of this one's (A/B against an older commit on the same harness).</summary>
    public string? ServerRoot { get; init; }

    public TimeSpan DurationSpan => TimeSpan.FromSeconds(Duration);
    public TimeSpan WarmupSpan => TimeSpan.FromSeconds(Warmup);

    public const string Usage = """
        Options: --runs N (3)  --duration s (5)  --warmup s (1)  --patients N (48)  --warmup-patients N (12)  --resources-per-patient N (150)  --levels 1,4,16
                 --large-patient N (10000)  --synthea-patients N (0 = all)  --quick  --no-write  --keep-data  --no-validation  --validation-only  --indexing-only  --ingest-only  --skip-ingest  --reads-only  --server-root DIR
                 --unaggregated (with --audit)
        """;

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        // --quick first, so explicit options given with it still win.
        if (args.Contains("--quick"))
            options = options with { Quick = true, Runs = 1, Duration = 2, Warmup = 0.5, Patients = 8, WarmupPatients = 2, ResourcesPerPatient = 100, LargePatient = 3_000, SyntheaPatients = 6 };
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--quick" => options,
                "--runs" => options with { Runs = Int(args, ++i, 1) },
                "--duration" => options with { Duration = Number(args, ++i) },
                "--warmup" => options with { Warmup = Number(args, ++i) },
                "--patients" => options with { Patients = Int(args, ++i, 1) },
                "--warmup-patients" => options with { WarmupPatients = Int(args, ++i, 1) },
                "--resources-per-patient" => options with { ResourcesPerPatient = Int(args, ++i, 20) },
                "--synthea-patients" => options with { SyntheaPatients = Int(args, ++i, 1) },
                "--large-patient" => options with { LargePatient = Int(args, ++i, 20) },
                "--levels" => options with { IngestLevels = Levels(args, ++i) },
                "--no-write" => options with { Write = false },
                "--keep-data" => options with { KeepData = true },
                "--no-validation" => options with { Validation = false },
                "--ingest-only" => options with { IngestOnly = true, Write = false },
                "--validation-only" => options with { ValidationOnly = true, Write = false },
                "--indexing-only" => options with { IndexingOnly = true, Write = false },
                "--skip-ingest" => options with { SkipIngest = true },
                "--reads-only" => options with { ReadsOnly = true, SkipIngest = true, Write = false },
                "--unaggregated" => options with { Unaggregated = true, Write = false },
                "--server-root" => options with { ServerRoot = Folder(args, ++i), Write = false },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }
        return options;
    }

    private static int Int(string[] args, int i, int min) =>
        i < args.Length && int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least {min}.");

    private static int[] Levels(string[] args, int i) =>
        i < args.Length && args[i].Split(',').Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c >= 1 ? c : 0).ToArray() is { Length: > 0 } levels && !levels.Contains(0)
            ? levels
            : throw new ArgumentException("--levels needs concurrency levels of at least 1, separated by commas (1,4,16).");
    private static string Folder(string[] args, int i) =>
        i < args.Length && File.Exists(Path.Combine(args[i], "FhirPortal.sln"))
            ? Path.GetFullPath(args[i])
            : throw new ArgumentException($"{args[i - 1]} needs the root folder of a FhirPortal checkout.");

    private static double Number(string[] args, int i) =>
        i < args.Length && double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new ArgumentException($"{args[i - 1]} needs a number of seconds.");
}
