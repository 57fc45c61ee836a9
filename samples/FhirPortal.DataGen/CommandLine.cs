using System.Globalization;
using FhirPortal.DataGen.Generation;

namespace FhirPortal.DataGen;

/// <summary>The tool's arguments (<c>--name value</c> pairs).</summary>
internal sealed record CommandLine(GeneratorOptions Generator, string Format, string OutputDirectory, string? PostUrl, int Concurrency, string? BearerToken, bool Help)
{
    public const string Usage = """
        FhirPortal.DataGen: synthetic, internally consistent portal data (deterministic for a seed and --as-of date).
          --patients N                 patients to generate (default 10)
          --resources-per-patient N    approximate size of each patient's record (default 100)
          --seed N                     random seed (default 1)
          --as-of yyyy-MM-dd           "today" of the data (default: today, UTC)
          --first-patient-id ID        give the first patient this id, e.g. demo-patient (the SMART demo user)
          --format bundle|ndjson       transaction Bundles per patient (default) or one NDJSON file per type
          --out DIR                    output folder (default ./gen)
          --post URL                   post the transactions to this FHIR base URL instead of writing files
          --concurrency N              transactions in flight with --post (default 4)
          --bearer TOKEN               Authorization bearer token for --post
        """;

    public static CommandLine Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var help = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h") { help = true; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            values[args[i][2..]] = args[++i];
        }
        var known = new[] { "patients", "resources-per-patient", "seed", "as-of", "first-patient-id", "format", "out", "post", "concurrency", "bearer" };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown) throw new ArgumentException($"Unknown option --{unknown}.");

        var generator = new GeneratorOptions
        {
            Patients = Int(values, "patients", 10, 0),
            ResourcesPerPatient = Int(values, "resources-per-patient", 100, 20),
            Seed = values.TryGetValue("seed", out var s) ? long.Parse(s, CultureInfo.InvariantCulture) : 1,
            AsOf = values.TryGetValue("as-of", out var d) ? DateOnly.ParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture) : DateOnly.FromDateTime(DateTime.UtcNow),
            FirstPatientId = values.GetValueOrDefault("first-patient-id"),
        };
        var format = values.GetValueOrDefault("format", "bundle");
        if (format is not ("bundle" or "ndjson")) throw new ArgumentException("--format must be bundle or ndjson.");
        return new CommandLine(generator, format, values.GetValueOrDefault("out", "./gen"), values.GetValueOrDefault("post"),
            Int(values, "concurrency", 4, 1), values.GetValueOrDefault("bearer"), help);
    }

    private static int Int(Dictionary<string, string> values, string name, int fallback, int min)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new ArgumentException($"--{name} must be a whole number of at least {min}.");
        return value;
    }
}
