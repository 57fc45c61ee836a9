using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Benchmarks;

/// <summary>
/// What computing the search index costs (issue 25): SearchIndexer in this process, on one thread, over the Synthea
/// resources, with the compiled POCO paths (the server's indexer) and with the FhirPath interpreter only
/// (<see cref="SearchIndexer.InterpreterOnly"/>), the two passes of each type run back to back, alternating which goes
/// first. Figures are this process's CPU time per resource (all its threads, so garbage collection counts), medians of
/// the runs.
/// </summary>
internal static class IndexingCost
{
    public static Table Measure(string fixtures, BenchmarkOptions options)
    {
        var parser = new FhirParser(100);
        var resources = Directory.GetFiles(Path.Combine(fixtures, "synthea"), "*.json").Order()
            .SelectMany(f => ((Bundle)parser.ParseJson(File.ReadAllBytes(f))).Entry.Select(e => e.Resource).OfType<Resource>())
            .GroupBy(r => r.TypeName).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.ToList()).ToList();
        var registry = SearchParameterRegistry.CreateDefault();
        var compiled = new SearchIndexer(registry);
        var interpreter = SearchIndexer.InterpreterOnly(registry);
        foreach (var group in resources) // warm-up: registry, compiled paths and expressions, UCUM
            foreach (var resource in group)
            {
                compiled.Index(resource);
                interpreter.Index(resource);
            }

        var table = new Table("Indexing cost",
            "SearchIndexer in this process, on one thread, over the Synthea resources: the compiled POCO paths (the server's " +
            "indexer) against the FhirPath interpreter alone, each type's two passes back to back. CPU µs is this process's " +
            "CPU time per resource (all threads, garbage collection included), the median of the runs; \"compiled\" is the " +
            "share of the type's search parameters that never reach the interpreter.",
            "type", "resources", "interpreter CPU µs", "compiled CPU µs", "compiled / interpreter", "parameters compiled", "runs");
        double interpreterTotal = 0, compiledTotal = 0;
        var count = 0;
        foreach (var group in resources)
        {
            var interpreterRuns = new List<double>();
            var compiledRuns = new List<double>();
            for (var run = 0; run < options.Runs; run++)
            {
                // Alternate the order so neither pass always runs on a cache the other warmed.
                if (run % 2 == 0)
                {
                    interpreterRuns.Add(CpuPerResource(interpreter, group));
                    compiledRuns.Add(CpuPerResource(compiled, group));
                }
                else
                {
                    compiledRuns.Add(CpuPerResource(compiled, group));
                    interpreterRuns.Add(CpuPerResource(interpreter, group));
                }
            }
            var (before, after) = (Stats.Median(interpreterRuns), Stats.Median(compiledRuns));
            interpreterTotal += before * group.Count;
            compiledTotal += after * group.Count;
            count += group.Count;
            var parameters = registry.ForType(group[0].TypeName).Where(p => p.Expression is not null).ToList();
            table.Add(group[0].TypeName, Fmt.N0(group.Count), Fmt.F(before, 0), Fmt.F(after, 0), Fmt.F(after / before, 2),
                $"{parameters.Count(compiled.IsCompiled)} of {parameters.Count}", Fmt.N0(options.Runs));
        }
        var all = resources.SelectMany(g => registry.ForType(g[0].TypeName)).Where(p => p.Expression is not null).ToList();
        table.Add("all Synthea", Fmt.N0(count), Fmt.F(interpreterTotal / count, 0), Fmt.F(compiledTotal / count, 0),
            Fmt.F(compiledTotal / interpreterTotal, 2), $"{all.Count(compiled.IsCompiled)} of {all.Count}", Fmt.N0(options.Runs));
        return table;
    }

    private static double CpuPerResource(SearchIndexer indexer, List<Resource> resources)
    {
        // At least ~2,000 resources a pass so the CPU clock's granularity does not matter for small types.
        var passes = Math.Max(1, 2_000 / resources.Count);
        var meter = CpuMeter.Start(null);
        for (var pass = 0; pass < passes; pass++)
            foreach (var resource in resources)
                indexer.Index(resource);
        var (_, cpu, _) = meter.Stop();
        return cpu * 1e6 / (passes * resources.Count);
    }
}
