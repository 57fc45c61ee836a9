using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using FhirPortal.Server.Tests.Fixtures;
using Xunit.Abstractions;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>
/// $everything and $export over the loaded Synthea fixtures. Expectations come from the bundle files
/// (<see cref="PatientRecords"/>); the server's answers are read across every next link / output file.
/// </summary>
public sealed class SyntheaOperationTests(SyntheaLoad load, ITestOutputHelper output) : IClassFixture<SyntheaLoad>
{
    private static readonly Lock RecordsLock = new();
    private static (SyntheaLoad Load, PatientRecords Records)? _records;

    [SkippableFact]
    public async Task Everything_of_each_patient_is_its_compartment_plus_referenced_resources_each_once_across_pages()
    {
        SkipUnlessLoaded();
        var records = Records();
        Assert.Equal(19, records.MembersByPatient.Count);
        var failures = await SyntheaLoad.CheckAllAsync(records.MembersByPatient.Keys, async patient =>
        {
            var expected = records.Everything(patient);
            var (keys, pages) = await EverythingAsync($"{patient}/$everything?_count=300");
            var problem = Compare(expected, keys);
            output.WriteLine($"{patient}: {keys.Count} resources in {pages} pages (expected {expected.Count})");
            return problem is null ? null : $"{patient}: {problem}";
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public async Task Everything_type_level_returns_every_patients_record_once()
    {
        SkipUnlessLoaded();
        var records = Records();
        var expected = records.MembersByPatient.Keys.SelectMany(p => records.Everything(p)).ToHashSet();
        var (keys, _) = await EverythingAsync("Patient/$everything?_count=1000");
        Assert.Null(Compare(expected, keys));
    }

    [SkippableFact]
    public async Task Everything_narrowed_by_type_and_clinical_dates()
    {
        SkipUnlessLoaded();
        var records = Records();
        var patient = Largest(records);

        bool ObservationOrPractitioner(string type) => type is "Observation" or "Practitioner";
        var byType = records.Everything(patient, typeFilter: ObservationOrPractitioner);
        Assert.Contains(byType, k => k.StartsWith("Practitioner/", StringComparison.Ordinal));
        var (typed, _) = await EverythingAsync($"{patient}/$everything?_type=Observation,Practitioner&_count=500");
        Assert.Null(Compare(byType, typed));

        var (from, to) = (new DateTimeOffset(2015, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2018, 1, 1, 0, 0, 0, TimeSpan.Zero));
        bool InRange(PatientRecords.Res r) => r.Type switch
        {
            "Observation" => Overlaps(r.Json, "effectiveDateTime", "effectivePeriod", from, to),
            "Encounter" => Overlaps(r.Json, null, "period", from, to),
            _ => true,
        };
        var dated = records.Everything(patient, InRange, t => t is "Observation" or "Encounter");
        var all = records.Everything(patient, typeFilter: t => t is "Observation" or "Encounter");
        Assert.NotEmpty(dated);
        Assert.True(dated.Count < all.Count, "the date range leaves something out");
        var (ranged, _) = await EverythingAsync($"{patient}/$everything?_type=Observation,Encounter&start=2015-01-01&end=2017-12-31&_count=500");
        Assert.Null(Compare(dated, ranged));
    }

    [SkippableFact]
    public async Task Everything_since_returns_only_resources_changed_after_it()
    {
        SkipUnlessLoaded();
        var records = Records();
        var patient = records.MembersByPatient.Keys.Order(StringComparer.Ordinal).First();
        var since = DateTimeOffset.UtcNow.AddSeconds(1);
        await Task.Delay(1100);
        var (none, _) = await EverythingAsync($"{patient}/$everything?_since={Uri.EscapeDataString(since.ToString("o"))}");
        Assert.Empty(none);

        var condition = records.MembersByPatient[patient].First(m => m.Type == "Condition").Key;
        var current = await load.Client.GetStringAsync(condition);
        Assert.Equal(HttpStatusCode.OK, (await load.Client.PutAsync(condition, Fhir.Body(current))).StatusCode);
        var (changed, _) = await EverythingAsync($"{patient}/$everything?_since={Uri.EscapeDataString(since.ToString("o"))}");
        Assert.Equal([condition], changed);
    }

    [SkippableFact]
    public async Task Everything_in_xml_and_as_a_download_file_has_the_same_resources()
    {
        SkipUnlessLoaded();
        var records = Records();
        var patient = Largest(records);
        var expected = records.Everything(patient);

        var xml = await load.Client.GetStringAsync($"{patient}/$everything?_format=xml&_count=1000");
        var ns = XNamespace.Get("http://hl7.org/fhir");
        var entries = XDocument.Parse(xml).Root!.Elements(ns + "entry").ToList();
        Assert.Equal(Math.Min(1000, expected.Count), entries.Count);
        Assert.All(entries, e => Assert.Contains(e.Element(ns + "fullUrl")!.Attribute("value")!.Value[(load.Host.BaseUrl.Length + 1)..], expected));

        var download = await load.Client.GetAsync($"{patient}/$everything?_download=true");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".json", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var bundle = JsonDocument.Parse(await download.Content.ReadAsStreamAsync());
        var keys = bundle.RootElement.GetProperty("entry").EnumerateArray().Select(e => BulkClient.Key(e.GetProperty("resource"))).ToList();
        Assert.False(bundle.RootElement.TryGetProperty("link", out _), "a download is one complete Bundle");
        Assert.Null(Compare(expected, keys));

        var xmlDownload = await load.Client.GetAsync($"{patient}/$everything?_download=true&_format=xml");
        var xmlEntries = XDocument.Parse(await xmlDownload.Content.ReadAsStringAsync()).Root!.Elements(ns + "entry").Count();
        Assert.Equal(expected.Count, xmlEntries);
    }

    [SkippableFact]
    public async Task Bulk_export_of_all_data_has_every_resource_exactly_once_per_type()
    {
        SkipUnlessLoaded();
        var status = await BulkClient.StartAsync(load.Client, "$export?_outputFormat=application/fhir%2Bndjson");
        var manifest = await BulkClient.WaitAsync(load.Client, status);
        Assert.True(manifest.GetProperty("requiresAccessToken").GetBoolean());
        Assert.EndsWith("$export?_outputFormat=application/fhir%2Bndjson", manifest.GetProperty("request").GetString());
        Assert.True(DateTimeOffset.TryParse(manifest.GetProperty("transactionTime").GetString(), out _));
        var exported = await BulkClient.ReadOutputAsync(load.Client, manifest);

        var types = load.Entries.Select(e => e.Type).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(types, exported.Keys.Order(StringComparer.Ordinal).ToList());
        foreach (var type in types)
        {
            var keys = exported[type].Select(BulkClient.Key).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
            using var count = JsonDocument.Parse(await load.Client.GetStringAsync($"{type}?_summary=count"));
            Assert.Equal(count.RootElement.GetProperty("total").GetInt32(), keys.Count);
            Assert.All(exported[type], r => Assert.True(Parses(r), $"{BulkClient.Key(r)} does not parse as a FHIR resource"));
        }
        output.WriteLine($"{exported.Sum(e => e.Value.Count)} resources in {manifest.GetProperty("output").GetArrayLength()} files");
    }

    [SkippableFact]
    public async Task Patient_export_holds_the_patients_records_and_patient_parameter_narrows_it()
    {
        SkipUnlessLoaded();
        var records = Records();
        var patient = records.MembersByPatient.Keys.Order(StringComparer.Ordinal).First();
        var body = Fhir.Body($$$"""{"resourceType":"Parameters","parameter":[{"name":"patient","valueReference":{"reference":"{{{patient}}}"}}]}""");
        var manifest = await BulkClient.WaitAsync(load.Client, await BulkClient.StartAsync(load.Client, "Patient/$export", body));
        var keys = (await BulkClient.ReadOutputAsync(load.Client, manifest)).Values.SelectMany(v => v).Select(BulkClient.Key).ToList();
        Assert.Null(Compare(records.Everything(patient), keys));
    }

    // ---- helpers ----

    private async Task<(List<string> Keys, int Pages)> EverythingAsync(string url)
    {
        var keys = new List<string>();
        var pages = 0;
        for (string? next = url; next is not null; pages++)
        {
            var response = await load.Client.GetAsync(next);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{next}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            Assert.Equal("searchset", page.RootElement.GetProperty("type").GetString());
            if (page.RootElement.TryGetProperty("entry", out var entries))
                keys.AddRange(entries.EnumerateArray().Select(e => BulkClient.Key(e.GetProperty("resource"))));
            next = page.RootElement.GetProperty("link").EnumerateArray()
                .Where(l => l.GetProperty("relation").GetString() == "next").Select(l => l.GetProperty("url").GetString()).FirstOrDefault();
        }
        return (keys, pages);
    }

    private static string? Compare(HashSet<string> expected, List<string> actual)
    {
        var duplicates = actual.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).Distinct().ToList();
        if (duplicates.Count + missing.Count + extra.Count == 0) return null;
        return $"expected {expected.Count}, got {actual.Count}; duplicates [{string.Join(", ", duplicates.Take(10))}], " +
               $"missing {missing.Count} [{string.Join(", ", missing.Take(10))}], unexpected {extra.Count} [{string.Join(", ", extra.Take(10))}]";
    }

    private static bool Overlaps(JsonElement resource, string? instantProperty, string? periodProperty, DateTimeOffset from, DateTimeOffset to)
    {
        if (instantProperty is not null && resource.TryGetProperty(instantProperty, out var instant))
        {
            var at = DateTimeOffset.Parse(instant.GetString()!);
            return at >= from && at < to;
        }
        if (periodProperty is not null && resource.TryGetProperty(periodProperty, out var period))
        {
            var start = period.TryGetProperty("start", out var s) ? DateTimeOffset.Parse(s.GetString()!) : DateTimeOffset.MinValue;
            var end = period.TryGetProperty("end", out var e) ? DateTimeOffset.Parse(e.GetString()!) : DateTimeOffset.MaxValue;
            return end >= from && start < to;
        }
        return false;
    }

    private static readonly Hl7.Fhir.Serialization.BaseFhirJsonDeserializer JsonParser = new(Hl7.Fhir.Model.ModelInfo.ModelInspector);

    private static bool Parses(JsonElement resource)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(resource.GetRawText()));
        return JsonParser.TryDeserializeResource(ref reader, out var parsed, out _) && parsed is not null;
    }

    private static string Largest(PatientRecords records) =>
        records.MembersByPatient.OrderByDescending(p => p.Value.Count).ThenBy(p => p.Key, StringComparer.Ordinal).First().Key;

    private PatientRecords Records()
    {
        lock (RecordsLock)
        {
            if (_records is not { } cached || cached.Load != load) _records = (load, new PatientRecords(load));
            return _records.Value.Records;
        }
    }

    /// <summary>Skips the test (outside CI; in CI the fixture already failed) when ../shared/fixtures/synthea is missing.</summary>
    private void SkipUnlessLoaded()
    {
        if (load.Folder is null) throw SharedFixtures.Missing("synthea");
    }
}
