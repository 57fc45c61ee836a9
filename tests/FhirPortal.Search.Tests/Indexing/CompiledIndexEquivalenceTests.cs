using System.Text.Json;
using FhirPortal.DataGen.Generation;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Xunit.Abstractions;

namespace FhirPortal.Search.Tests;

/// <summary>
/// The compiled paths index exactly what the interpreter indexes: every resource of the shared fixtures (official R4
/// examples, Synthea bundles) and of generated patients, indexed both ways, gives the same rows (and the same Patient
/// compartments through the audit's shortcut); and every compiled
/// parameter selects the interpreter's values in its order.
/// </summary>
public sealed class CompiledIndexEquivalenceTests(ITestOutputHelper output)
{
    private static readonly BaseFhirJsonDeserializer Json = new(ModelInfo.ModelInspector,
        new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    private static readonly SearchIndexer Interpreter = SearchIndexer.InterpreterOnly(Indexing.Registry);

    [SkippableFact]
    public void Official_examples_index_the_same_both_ways() => AssertSameIndexes(Examples(Fixtures.Folder("examples")), "examples");

    [SkippableFact]
    public void Synthea_resources_index_the_same_both_ways() => AssertSameIndexes(Synthea(Fixtures.Folder("synthea")), "synthea");

    [Fact]
    public void Generated_patients_index_the_same_both_ways()
    {
        var generator = new PatientGenerator(new GeneratorOptions { Seed = 25, Patients = 6, ResourcesPerPatient = 120, AsOf = new DateOnly(2026, 6, 1) });
        AssertSameIndexes(generator.All().SelectMany(p => p.Entries).Select(e => e.Resource).ToList(), "generated");
    }

    [SkippableFact]
    public void Every_compiled_parameter_selects_the_interpreters_values_in_order()
    {
        var resources = Examples(Fixtures.Folder("examples"));
        // A sample of Synthea: every type, the first 25 of each.
        resources.AddRange(Synthea(Fixtures.Folder("synthea")).GroupBy(r => r.TypeName).SelectMany(g => g.Take(25)));
        var compared = 0;
        var failures = new List<string>();
        foreach (var resource in resources)
        {
            var node = resource.ToPocoNode();
            var context = FhirPathEvaluator.ContextFor(resource, node);
            foreach (var parameter in Indexing.Registry.ForType(resource.TypeName))
            {
                if (parameter.Expression is not { } expression || CompiledPath.For(expression) is not { } path) continue;
                var compiled = new List<Base>();
                if (!path.TrySelect(resource, resource, compiled)) continue; // the interpreter decides these
                if (InterpreterThrows(node, expression, context)) continue; // see AssertSameIndexes
                var interpreted = FhirPathEvaluator.Values(FhirPathEvaluator.Select(node, expression, context));
                compared++;
                if (!SameSelection(interpreted, compiled, path.IsUnion))
                    failures.Add($"{resource.TypeName}/{resource.Id} {parameter.Name}: interpreter {interpreted.Count}, compiled {compiled.Count}");
            }
        }
        output.WriteLine($"{compared} (resource, parameter) selections compared over {resources.Count} resources");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
        Assert.True(compared > 1000);
    }

    // Where the interpreter throws evaluating a parameter (e.g. a decimal beyond System.Decimal's range in
    // Observation/decimal), today's index has nothing for that parameter while the compiled path indexes the values it
    // can: those parameters are left out of the comparison, and listed; every other row must be identical.
    private void AssertSameIndexes(List<Resource> resources, string source)
    {
        Assert.NotEmpty(resources);
        var failures = new List<string>();
        var interpreterFailures = new List<string>();
        foreach (var resource in resources)
        {
            var what = $"{resource.TypeName}/{resource.Id}";
            var skipped = InterpreterFailures(resource);
            interpreterFailures.AddRange(skipped.Select(p => $"{what} {p}"));
            try
            {
                IndexComparison.AssertSame(Interpreter.Index(resource), Indexing.Indexer.Index(resource), what, skipped);
                // The access audit's shortcut (reference parameters of the Patient compartment only) agrees too.
                Assert.True(Interpreter.PatientCompartments(resource).ToHashSet().SetEquals(Indexing.Indexer.PatientCompartments(resource)),
                    $"{what}: Patient compartments differ");
            }
            catch (Exception e)
            {
                failures.Add(e.Message);
            }
        }
        output.WriteLine($"{source}: {resources.Count} resources of {resources.Select(r => r.TypeName).Distinct().Count()} types compared; " +
                         $"parameters the interpreter fails on: {(interpreterFailures.Count == 0 ? "none" : string.Join(", ", interpreterFailures))}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(interpreterFailures.Count <= resources.Count / 100, "the interpreter fails on too many parameters to compare: " + interpreterFailures.Count);
    }

    private static HashSet<string> InterpreterFailures(Resource resource)
    {
        var node = resource.ToPocoNode();
        var context = FhirPathEvaluator.ContextFor(resource, node);
        var failing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parameter in Indexing.Registry.ForType(resource.TypeName))
        {
            if (parameter.Expression is not { } expression) continue;
            if (InterpreterThrows(node, expression, context)) failing.Add(parameter.Name);
            else if (parameter.Components.Count > 0)
                foreach (var occurrence in FhirPathEvaluator.Select(node, expression, context))
                    if (parameter.Components.Any(c => InterpreterThrows(occurrence, c.Expression, context))) failing.Add(parameter.Name);
        }
        return failing;
    }

    private static bool InterpreterThrows(Hl7.Fhir.Model.PocoNode node, string expression, Hl7.FhirPath.EvaluationContext context)
    {
        try
        {
            var nodes = FhirPathEvaluator.Compile(expression)?.Invoke([node], context).ToList();
            _ = nodes?.ToFhirValues().ToList();
            return false;
        }
        catch (Exception)
        {
            return true;
        }
    }

    // Compiled unions concatenate their branches; the interpreter also drops values equal to earlier ones.
    private static bool SameSelection(List<Base> interpreted, List<Base> compiled, bool union)
    {
        if (!union) return interpreted.Count == compiled.Count && interpreted.Zip(compiled).All(p => SameValue(p.First, p.Second));
        var kept = compiled.Where((value, i) => !compiled.Take(i).Any(earlier => SameValue(earlier, value))).ToList();
        return interpreted.Count <= compiled.Count && interpreted.All(v => kept.Any(k => SameValue(v, k))) && kept.All(k => interpreted.Any(v => SameValue(v, k)));
    }

    private static bool SameValue(Base a, Base b) => ReferenceEquals(a, b) || (a.GetType() == b.GetType() && a.IsExactly(b));

    internal static List<Resource> Examples(string folder)
    {
        var resources = new List<Resource>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order())
            if (Parse(File.ReadAllBytes(file)) is { } resource) resources.Add(resource);
        return resources;
    }

    internal static List<Resource> Synthea(string folder)
    {
        var resources = new List<Resource>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order())
            if (Parse(File.ReadAllBytes(file)) is Bundle bundle)
                resources.AddRange(bundle.Entry.Select(e => e.Resource).OfType<Resource>());
        return resources;
    }

    private static Resource? Parse(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes);
        return Json.TryDeserializeResource(ref reader, out var resource, out _) ? resource : null;
    }
}

/// <summary>Compares two indexes of one resource row by row (each value kind as a set, as stores keep them).</summary>
internal static class IndexComparison
{
    /// <summary>Fails unless both indexes hold the same rows, apart from the parameters named in <paramref name="except"/>.</summary>
    public static void AssertSame(ResourceIndex expected, ResourceIndex actual, string what, IReadOnlySet<string>? except = null)
    {
        // Skipped composites shift the group numbers of later ones: then rows are compared without their group.
        var all = except is null or { Count: 0 };
        bool Kept(string param) => all || !except!.Contains(param.Split('#', ':')[0]);
        List<T> Rows<T>(IEnumerable<T> rows, Func<T, string> param, Func<T, T> ungrouped) =>
            rows.Where(r => Kept(param(r))).Select(r => all ? r : ungrouped(r)).ToList();
        Same(Rows(expected.Tokens, v => v.Param, v => v with { Group = null }), Rows(actual.Tokens, v => v.Param, v => v with { Group = null }), what, "tokens");
        Same(Rows(expected.Strings, v => v.Param, v => v with { Group = null }), Rows(actual.Strings, v => v.Param, v => v with { Group = null }), what, "strings");
        Same(Rows(expected.Dates, v => v.Param, v => v with { Group = null }), Rows(actual.Dates, v => v.Param, v => v with { Group = null }), what, "dates");
        Same(Rows(expected.Numbers, v => v.Param, v => v with { Group = null }), Rows(actual.Numbers, v => v.Param, v => v with { Group = null }), what, "numbers");
        Same(Rows(expected.Quantities, v => v.Param, v => v with { Group = null }), Rows(actual.Quantities, v => v.Param, v => v with { Group = null }), what, "quantities");
        Same(Rows(expected.References, v => v.Param, v => v with { Group = null }), Rows(actual.References, v => v.Param, v => v with { Group = null }), what, "references");
        Same(Rows(expected.Uris, v => v.Param, v => v with { Group = null }), Rows(actual.Uris, v => v.Param, v => v with { Group = null }), what, "uris");
        Same(expected.Compartments, actual.Compartments, what, "compartments");
        Assert.True(expected.Narrative == actual.Narrative && expected.Content == actual.Content, $"{what}: text differs");
    }

    private static void Same<T>(List<T> expected, List<T> actual, string what, string kind)
    {
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"{what} {kind}: missing [{string.Join("; ", missing.Take(3))}], extra [{string.Join("; ", extra.Take(3))}], {expected.Count} vs {actual.Count}");
    }
}
