using System.Diagnostics;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Benchmarks;

/// <summary>
/// What validating a write costs: the server's ResourceValidator, in this process, over the Synthea resources of each
/// type that has a portal profile in profiles/, against that profile (Firely's validator over the profiles and the
/// R4 core package, so core invariants and bindings are checked too). Schemas are compiled before timing starts.
/// </summary>
internal static class ValidationCost
{
    public static Table Measure(string repoRoot, string fixtures, BenchmarkOptions options)
    {
        var parser = new FhirParser(100);
        var conformance = new ConformanceResources();
        foreach (var file in Directory.GetFiles(Path.Combine(repoRoot, "profiles"), "*.json"))
            if (parser.ParseJson(File.ReadAllBytes(file)) is { } resource && ConformanceResources.Types.Contains(resource.TypeName))
                conformance.Set(resource);
        // The portal profile of a type is the one named portal-{type}.
        var profiles = conformance.StoredProfiles().Where(p => p.Id == "portal-" + p.Type?.ToLowerInvariant())
            .ToDictionary(p => p.Type!, p => p.Url!, StringComparer.Ordinal);
        var resources = Directory.GetFiles(Path.Combine(fixtures, "synthea"), "*.json")
            .SelectMany(f => ((Bundle)parser.ParseJson(File.ReadAllBytes(f))).Entry.Select(e => e.Resource).OfType<Resource>())
            .Where(r => profiles.ContainsKey(r.TypeName))
            .GroupBy(r => r.TypeName).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var validator = new ResourceValidator(conformance, ValidationSettings.None);
        validator.CompileStoredProfiles(CancellationToken.None);

        var table = new Table("Validation cost",
            $"The server's validator (FhirPortal.Core.Validation.ResourceValidator) in this process, on one thread, over the Synthea resources " +
            "of each type with a portal profile, against that profile and the R4 base (Firely.Fhir.Validation over specification.zip). " +
            "Resources with errors are counted, not fixed: the cost is the same. CPU µs is this process's CPU time per resource " +
            "(all its threads), which a busy machine disturbs less than the elapsed time.",
            "type", "resources", "µs per resource", "CPU µs per resource", "resources/s", "p99 µs", "with errors", "runs (spread)");
        foreach (var group in resources)
        {
            var list = group.ToList();
            var profile = new[] { profiles[group.Key] };
            var withErrors = list.Count(r => validator.Validate(r, profile, asWrite: false).Issue.Any(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal));
            var runs = new List<Sample>();
            for (var run = 0; run < options.Runs; run++)
            {
                var latencies = new List<double>();
                var meter = CpuMeter.Start(null);
                var stopAt = Stopwatch.GetTimestamp() + (long)(options.Duration / resources.Count * Stopwatch.Frequency);
                for (var i = 0; i < list.Count || Stopwatch.GetTimestamp() < stopAt; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    validator.Validate(list[i % list.Count], profile, asWrite: false);
                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds * 1000);
                    if (i >= list.Count && Stopwatch.GetTimestamp() >= stopAt) break;
                }
                var (seconds, client, _) = meter.Stop();
                var sorted = latencies.Order().ToArray();
                runs.Add(new Sample(sorted.Length / seconds, Stats.Percentile(sorted, 0.5), Stats.Percentile(sorted, 0.99), double.NaN, client, double.NaN, 0, seconds, sorted.Length));
            }
            var f = Figure.Of(runs);
            var cpu = Stats.Median(runs.Select(r => r.ClientCpu * 1e6 / r.Count));
            table.Add(group.Key, Fmt.N0(list.Count), Fmt.F(1e6 / f.Rate, 0), Fmt.F(cpu, 0), Fmt.N0(f.Rate), Fmt.F(f.P99, 0), Fmt.N0(withErrors), Fmt.Runs(f));
        }
        return table;
    }
}
