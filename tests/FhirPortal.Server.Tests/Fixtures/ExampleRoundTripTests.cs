using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using Xunit.Abstractions;

namespace FhirPortal.Server.Tests.Fixtures;

/// <summary>
/// The official R4 examples (../shared/fixtures/examples) survive create → read unchanged, in JSON and in XML.
/// One host serves all files; every failure is collected and reported with its file.
/// </summary>
public sealed class ExampleRoundTripTests(ITestOutputHelper output) : IDisposable
{
    private const int ExampleCount = 677;
    // Holds 1.000000000000000000E-245 and -1.000000000000000000E+245: its XML read shows the closest System.Decimal
    // (ExactDecimals), so it has its own JSON test.
    private const string DecimalExample = "Observation-decimal.json";

    private static readonly BaseFhirXmlDeserializer XmlParser = new(ModelInfo.ModelInspector);
    private static readonly BaseFhirJsonDeserializer JsonParser = new(ModelInfo.ModelInspector);
    // Answers Questionnaire/ussg-fht, which no example defines (Bundle-ussg-fht holds the form as 54127-6).
    private const string UnknownFormResponse = "QuestionnaireResponse-ussg-fht-answers.json";
    // R4 query-based subscriptions: this server serves topic-based ones only (Subscriptions Backport IG), so these are 422.
    private static readonly string[] QuerySubscriptions = ["Subscription-example.json", "Subscription-example-error.json"];
    private readonly FhirPortalHost _host = new();

    public void Dispose() => _host.Dispose();

    [SkippableFact]
    public async Task Every_official_example_round_trips_in_json_and_xml()
    {
        var folder = SharedFixtures.Require("examples");
        var files = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ExampleCount, files.Count);

        var client = _host.CreateFhirClient();
        // A response is checked against the Questionnaire it names (issue 23): store the gcs form under the id its
        // response names. Questionnaire/ussg-fht is defined by no example, so that response is refused with 422.
        var gcs = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "Questionnaire-gcs.json")))!;
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("Questionnaire/gcs", Fhir.Body(gcs))).StatusCode);
        var ussg = await client.PostAsync("QuestionnaireResponse", Fhir.Body(await File.ReadAllTextAsync(Path.Combine(folder, UnknownFormResponse))));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, ussg.StatusCode);
        Assert.Contains("Questionnaire/ussg-fht", await ussg.Content.ReadAsStringAsync());

        foreach (var example in QuerySubscriptions)
        {
            var refused = await client.PostAsync("Subscription", Fhir.Body(await File.ReadAllTextAsync(Path.Combine(folder, example))));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains("SubscriptionTopic", await refused.Content.ReadAsStringAsync());
        }

        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        var roundTrips = files.Where(f => Path.GetFileName(f) is not (DecimalExample or UnknownFormResponse) && !QuerySubscriptions.Contains(Path.GetFileName(f))).ToList();
        foreach (var file in roundTrips)
        {
            var problem = await RoundTripAsync(client, file);
            if (problem is not null) failures.Add($"{Path.GetFileName(file)}: {problem}");
        }
        output.WriteLine($"{roundTrips.Count} examples created and read back in JSON and XML in {clock.Elapsed.TotalSeconds:F1} s.");
        if (failures.Count > 0)
            Assert.Fail($"{failures.Count} of {roundTrips.Count} examples did not round-trip:\n{string.Join("\n", failures)}");
    }

    [SkippableFact]
    public async Task Observation_decimal_example_is_stored_and_read_back_with_every_decimal_as_written()
    {
        var folder = SharedFixtures.Require("examples");
        var client = _host.CreateFhirClient();
        var source = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, DecimalExample)))!;

        var created = await client.PostAsync("Observation", Fhir.Body(source.ToJsonString()));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var read = await (await client.GetAsync($"Observation/{(string)(await created.ReadJsonAsync())["id"]!}")).ReadJsonAsync();
        Assert.Equal(Decimals(source), Decimals(read));
        Assert.Contains("1.000000000000000000E-245", Decimals(read));
        Assert.Empty(ResourceJsonComparer.Differences(source, read));
    }

    // Each component's decimal as its JSON text (JsonNode keeps a parsed number's text).
    private static List<string> Decimals(JsonNode observation) =>
        [.. observation["component"]!.AsArray().Select(c => c!["valueQuantity"]!["value"]!.ToJsonString())];

    /// <summary>Creates the example, reads it back as JSON and as XML; null when both equal the file, else why not.</summary>
    private static async Task<string?> RoundTripAsync(HttpClient client, string file)
    {
        var source = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        var type = (string)source["resourceType"]!;

        var created = await client.PostAsync(type, Fhir.Body(source.ToJsonString()));
        if (created.StatusCode != HttpStatusCode.Created)
            return $"create returned {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}";
        var id = (string)(await created.ReadJsonAsync())["id"]!;

        var json = await client.GetAsync($"{type}/{id}");
        if (json.StatusCode != HttpStatusCode.OK) return $"JSON read returned {(int)json.StatusCode}";
        var jsonDifferences = ResourceJsonComparer.Differences(source, await json.ReadJsonAsync());
        if (jsonDifferences.Count > 0) return "JSON read differs: " + string.Join("; ", jsonDifferences);

        var request = new HttpRequestMessage(HttpMethod.Get, $"{type}/{id}");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));
        var xml = await client.SendAsync(request);
        if (xml.StatusCode != HttpStatusCode.OK) return $"XML read returned {(int)xml.StatusCode}";
        if (xml.Content.Headers.ContentType?.MediaType != "application/fhir+xml") return $"XML read answered {xml.Content.Headers.ContentType}";
        using var reader = XmlReader.Create(await xml.Content.ReadAsStreamAsync());
        XmlParser.TryDeserializeResource(reader, out var parsed, out var issues);
        // The SDK also reports what it checks beyond syntax (cardinality, URI syntax). A few examples break those
        // rules themselves; only problems the XML adds to what the SDK finds in the source file count.
        var added = issues.Select(Issue).Except(SourceIssues(source)).ToList();
        if (parsed is null || added.Count > 0)
            return "the SDK finds problems in the XML read that the source does not have: " + string.Join("; ", added);
        var xmlDifferences = ResourceJsonComparer.Differences(source, JsonNode.Parse(parsed.ToJson())!, throughXml: true);
        return xmlDifferences.Count > 0 ? "XML read differs: " + string.Join("; ", xmlDifferences) : null;
    }

    private static IEnumerable<string> SourceIssues(JsonNode source)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(source.ToJsonString()));
        JsonParser.TryDeserializeResource(ref reader, out _, out var issues);
        return issues.Select(Issue);
    }

    // Without line and column, which differ between the two formats.
    private static string Issue(CodedException issue) =>
        issue is ExtendedCodedException e ? $"{e.ErrorCode}: {e.BaseErrorMessage}" : $"{issue.ErrorCode}: {issue.Message}";
}
