using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace FhirPortal.Server.Tests.Fixtures;

/// <summary>
/// Realistic portal searches over the loaded Synthea data. Each expectation is computed here from the bundle files
/// themselves (System.Text.Json, mapped to server ids through the keys <see cref="SyntheaLoad"/> recorded per entry),
/// never through the server's search engine; the server's answer is read across every <c>next</c> link.
/// </summary>
public sealed partial class SyntheaSearchTests(SyntheaLoad load, ITestOutputHelper output) : IClassFixture<SyntheaLoad>
{
    private const string Loinc = "http://loinc.org";
    private const string HbA1c = "4548-4";

    [SkippableFact]
    public async Task Vital_signs_of_a_patient_in_a_date_range()
    {
        SkipUnlessLoaded();
        var data = Data();
        var patient = data.PatientWithMost("Observation", o => HasCode(o.Json, "category", "vital-signs"));
        var (from, to) = (Utc(2015, 1, 1), Utc(2020, 1, 1));
        var expected = data.OfType("Observation")
            .Where(o => data.Ref(o, "subject") == patient && HasCode(o.Json, "category", "vital-signs")
                        && Dates(o.Json, "effective").Any(d => d.End > from) && Dates(o.Json, "effective").Any(d => d.Start < to))
            .Select(o => o.Key).ToHashSet();

        await AssertMatchesAsync($"Observation?patient={patient}&category=vital-signs&date=ge2015-01-01&date=lt2020-01-01", expected);
    }

    [SkippableFact]
    public async Task HbA1c_over_6_percent_and_its_count()
    {
        // Synthea's HbA1c values here are in % (UCUM "%") and top out at 6.89, so 7% matches nothing: use 6%.
        SkipUnlessLoaded();
        var data = Data();
        var expected = data.OfType("Observation")
            .Where(o => HasCoding(o.Json, "code", Loinc, HbA1c)
                        && o.Json.TryGetProperty("valueQuantity", out var q) && q.GetProperty("value").GetDecimal() > 6m)
            .Select(o => o.Key).ToHashSet();
        Assert.NotEmpty(expected);

        await AssertMatchesAsync($"Observation?code={Loinc}|{HbA1c}&value-quantity=gt6", expected);
        await AssertCountAsync($"Observation?code={Loinc}|{HbA1c}&value-quantity=gt6", expected.Count);
    }

    [SkippableFact]
    public async Task Active_medication_requests_overall_and_per_patient()
    {
        SkipUnlessLoaded();
        var data = Data();
        var active = data.OfType("MedicationRequest").Where(m => Str(m.Json, "status") == "active").ToList();
        Assert.NotEmpty(active);
        await AssertMatchesAsync("MedicationRequest?status=active", active.Select(m => m.Key).ToHashSet());
        await AssertCountAsync("MedicationRequest?status=active", active.Count);

        var patient = data.PatientWithMost("MedicationRequest", m => Str(m.Json, "status") == "active");
        await AssertMatchesAsync($"MedicationRequest?patient={patient}&status=active",
            active.Where(m => data.Ref(m, "subject") == patient).Select(m => m.Key).ToHashSet());
    }

    [SkippableFact]
    public async Task Encounters_of_a_patient_with_their_observations_revincluded()
    {
        SkipUnlessLoaded();
        var data = Data();
        var patient = data.PatientWithMost("Encounter", _ => true);
        var encounters = data.OfType("Encounter").Where(e => data.Ref(e, "subject") == patient).Select(e => e.Key).ToHashSet();
        var observations = data.OfType("Observation").Where(o => data.Ref(o, "encounter") is { } e && encounters.Contains(e))
            .Select(o => o.Key).ToHashSet();
        Assert.NotEmpty(observations);

        await AssertMatchesAsync($"Encounter?patient={patient}&_revinclude=Observation:encounter&_count=20", encounters, observations);
    }

    [SkippableFact]
    public async Task Claims_by_status()
    {
        SkipUnlessLoaded();
        var data = Data();
        var expected = data.OfType("Claim").Where(c => Str(c.Json, "status") == "active").Select(c => c.Key).ToHashSet();
        Assert.NotEmpty(expected);
        await AssertMatchesAsync("Claim?status=active&_count=200", expected);
    }

    [SkippableFact]
    public async Task Observations_of_a_patient_sorted_by_date_descending_in_pages_of_50()
    {
        SkipUnlessLoaded();
        var data = Data();
        var patient = data.PatientWithMost("Observation", _ => true);
        var observations = data.OfType("Observation").Where(o => data.Ref(o, "subject") == patient).ToList();
        // The descending sort key is the latest instant a resource's date covers; resources without one sort last.
        var latest = observations.ToDictionary(o => o.Key,
            o => Dates(o.Json, "effective").Select(d => (DateTimeOffset?)d.Start).Max());

        var result = await SearchAsync($"Observation?patient={patient}&_sort=-date&_count=50");

        Assert.True(result.Matches.ToHashSet().SetEquals(latest.Keys), Diff(latest.Keys.ToHashSet(), result.Matches));
        Assert.True(result.Pages >= observations.Count / 50, $"{result.Pages} pages for {observations.Count} matches");
        for (var i = 1; i < result.Matches.Count; i++)
        {
            var (before, after) = (latest[result.Matches[i - 1]], latest[result.Matches[i]]);
            Assert.True(after is null || (before is not null && before >= after),
                $"position {i}: {result.Matches[i - 1]} ({before:o}) is followed by {result.Matches[i]} ({after:o})");
        }
        output.WriteLine($"{result.Matches.Count} observations of {patient} in {result.Pages} pages");
    }

    [SkippableFact]
    public async Task Active_conditions_of_a_patient()
    {
        SkipUnlessLoaded();
        var data = Data();
        var patient = data.PatientWithMost("Condition", c => HasCode(c.Json, "clinicalStatus", "active"));
        var expected = data.OfType("Condition")
            .Where(c => data.Ref(c, "subject") == patient && HasCode(c.Json, "clinicalStatus", "active"))
            .Select(c => c.Key).ToHashSet();
        Assert.NotEmpty(expected);
        await AssertMatchesAsync($"Condition?clinical-status=active&patient={patient}", expected);
    }

    [SkippableFact]
    public async Task Patients_by_a_lowercase_family_name_prefix()
    {
        SkipUnlessLoaded();
        var data = Data();
        var family = Str(data.OfType("Patient").First(p => Ascii(FamilyOf(p.Json))).Json.GetProperty("name")[0], "family")!;
        var prefix = family[..4].ToLowerInvariant();
        var expected = data.OfType("Patient").Where(p => NameParts(p.Json).Any(n => Normalize(n).StartsWith(prefix, StringComparison.Ordinal)))
            .Select(p => p.Key).ToHashSet();
        Assert.NotEmpty(expected);
        await AssertMatchesAsync($"Patient?name={prefix}", expected);
    }

    [SkippableFact]
    public async Task Patients_born_before_1950()
    {
        SkipUnlessLoaded();
        var data = Data();
        var expected = data.OfType("Patient")
            .Where(p => Str(p.Json, "birthDate") is { } b && Range(b).Start < Utc(1950, 1, 1)).Select(p => p.Key).ToHashSet();
        Assert.NotEmpty(expected);
        await AssertMatchesAsync("Patient?birthdate=lt1950", expected);
    }

    [SkippableFact]
    public async Task Immunizations_of_a_patient_since_2019()
    {
        SkipUnlessLoaded();
        var data = Data();
        bool Since2019(Res i) => Dates(i.Json, "occurrence").Any(d => d.End > Utc(2019, 1, 1));
        var patient = data.PatientWithMost("Immunization", Since2019);
        var expected = data.OfType("Immunization").Where(i => data.Ref(i, "patient") == patient && Since2019(i))
            .Select(i => i.Key).ToHashSet();
        Assert.NotEmpty(expected);
        await AssertMatchesAsync($"Immunization?patient={patient}&date=ge2019", expected);
    }

    [SkippableFact]
    public async Task Diagnostic_reports_of_a_patient_with_their_results_included()
    {
        SkipUnlessLoaded();
        var data = Data();
        var patient = data.PatientWithMost("DiagnosticReport", r => r.Json.TryGetProperty("result", out _));
        var reports = data.OfType("DiagnosticReport").Where(r => data.Ref(r, "subject") == patient).ToList();
        var results = reports.SelectMany(r => r.Json.TryGetProperty("result", out var list)
                ? list.EnumerateArray().Select(x => data.Resolve(x.GetProperty("reference").GetString())) : [])
            .OfType<string>().ToHashSet();
        Assert.NotEmpty(results);
        await AssertMatchesAsync($"DiagnosticReport?patient={patient}&_include=DiagnosticReport:result&_count=25",
            reports.Select(r => r.Key).ToHashSet(), results);
    }

    [SkippableFact]
    public async Task Observations_chained_to_the_patient_name_and_patients_with_an_observation_code()
    {
        SkipUnlessLoaded();
        var data = Data();
        var family = FamilyOf(data.OfType("Patient").Where(p => Ascii(FamilyOf(p.Json)))
            .OrderBy(p => data.OfType("Observation").Count(o => data.Ref(o, "subject") == p.Key)).First().Json);
        var named = data.OfType("Patient").Where(p => NameParts(p.Json).Any(n => Normalize(n).StartsWith(Normalize(family), StringComparison.Ordinal)))
            .Select(p => p.Key).ToHashSet();
        var chained = data.OfType("Observation").Where(o => data.Ref(o, "subject") is { } s && named.Contains(s)).Select(o => o.Key).ToHashSet();
        Assert.NotEmpty(chained);
        await AssertMatchesAsync($"Observation?subject:Patient.name={Uri.EscapeDataString(family)}", chained);
        await AssertCountAsync($"Observation?subject:Patient.name={Uri.EscapeDataString(family)}", chained.Count);

        var withHbA1c = data.OfType("Observation").Where(o => HasCoding(o.Json, "code", null, HbA1c))
            .Select(o => data.Ref(o, "subject")).OfType<string>().Where(s => s.StartsWith("Patient/", StringComparison.Ordinal)).ToHashSet();
        Assert.NotEmpty(withHbA1c);
        await AssertMatchesAsync($"Patient?_has:Observation:patient:code={HbA1c}", withHbA1c);
    }

    [SkippableFact]
    public async Task Compartment_search_of_vital_signs_equals_the_patient_parameter_search()
    {
        SkipUnlessLoaded();
        var data = Data();
        var patient = data.PatientWithMost("Observation", o => HasCode(o.Json, "category", "vital-signs"));
        var expected = data.OfType("Observation")
            .Where(o => HasCode(o.Json, "category", "vital-signs")
                        && (data.Ref(o, "subject") == patient || data.Refs(o, "performer").Contains(patient)))
            .Select(o => o.Key).ToHashSet();
        await AssertMatchesAsync($"{patient}/Observation?category=vital-signs", expected);
        await AssertMatchesAsync($"Observation?patient={patient}&category=vital-signs", expected);
    }

    // ---- the server's side ----

    private sealed record SearchResult(List<string> Matches, HashSet<string> Included, int Pages);

    private async Task<SearchResult> SearchAsync(string url)
    {
        var matches = new List<string>();
        var included = new HashSet<string>();
        var pages = 0;
        for (string? next = url; next is not null; pages++)
        {
            Assert.True(pages < 2000, $"{url}: more than 2000 pages");
            var response = await load.Client.GetAsync(next);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{next}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            if (page.RootElement.TryGetProperty("entry", out var entries))
                foreach (var entry in entries.EnumerateArray())
                {
                    var resource = entry.GetProperty("resource");
                    var key = $"{resource.GetProperty("resourceType").GetString()}/{resource.GetProperty("id").GetString()}";
                    if (entry.GetProperty("search").GetProperty("mode").GetString() == "match") matches.Add(key);
                    else included.Add(key);
                }
            next = Link(page.RootElement, "next");
        }
        var duplicates = matches.GroupBy(m => m).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"{url}: matched more than once across pages: {string.Join(", ", duplicates.Take(20))}");
        return new SearchResult(matches, included, pages);
    }

    private async Task AssertMatchesAsync(string url, HashSet<string> expected, HashSet<string>? expectedIncluded = null)
    {
        var result = await SearchAsync(url);
        output.WriteLine($"{url}: {result.Matches.Count} matches (expected {expected.Count}), {result.Included.Count} included, {result.Pages} pages");
        Assert.True(expected.SetEquals(result.Matches), $"{url}: {Diff(expected, result.Matches)}");
        if (expectedIncluded is not null)
        {
            var included = result.Included.Except(result.Matches).ToHashSet();
            var wanted = expectedIncluded.Except(result.Matches).ToHashSet();
            Assert.True(wanted.SetEquals(included), $"{url} includes: {Diff(wanted, included)}");
        }
    }

    private async Task AssertCountAsync(string url, int expected)
    {
        var response = await load.Client.GetAsync($"{url}&_summary=count");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var bundle = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        output.WriteLine($"{url}&_summary=count: total {bundle.RootElement.GetProperty("total")}");
        Assert.Equal(expected, bundle.RootElement.GetProperty("total").GetInt32());
        Assert.False(bundle.RootElement.TryGetProperty("entry", out var entries) && entries.GetArrayLength() > 0, "_summary=count returned entries");
    }

    private static string? Link(JsonElement bundle, string relation) =>
        bundle.TryGetProperty("link", out var links)
            ? links.EnumerateArray().Where(l => l.GetProperty("relation").GetString() == relation)
                .Select(l => l.GetProperty("url").GetString()).FirstOrDefault()
            : null;

    private static string Diff(IReadOnlySet<string> expected, IEnumerable<string> actual)
    {
        var found = actual.ToHashSet();
        var missing = expected.Except(found).ToList();
        var extra = found.Except(expected).ToList();
        return $"expected {expected.Count}, found {found.Count}; missing {missing.Count} [{string.Join(", ", missing.Take(10))}], " +
               $"unexpected {extra.Count} [{string.Join(", ", extra.Take(10))}]";
    }

    /// <summary>Skips the test (outside CI; in CI the fixture already failed) when ../shared/fixtures/synthea is missing.</summary>
    private void SkipUnlessLoaded()
    {
        if (load.Folder is null) throw SharedFixtures.Missing("synthea");
    }
}
