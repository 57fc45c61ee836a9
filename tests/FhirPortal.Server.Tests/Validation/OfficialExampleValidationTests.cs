using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>
/// The official R4 examples validate against their base (POST $validate, no profile asked for) on a server whose
/// write policy requires the portal profiles. Every error-level issue that remains is listed below with its reason.
/// </summary>
public sealed class OfficialExampleValidationTests
{
    private static readonly string[] PortalTypes = ["Patient", "Observation", "Appointment", "MedicationRequest", "Communication", "Claim"];

    /// <summary>Error issues the hand-written engine this server used before Firely's validator reported over all 677 examples (measured before it was replaced).</summary>
    private const int PreviousEngineErrors = 36;

    /// <summary>Errors the previous engine could not find: it did not validate extensions, ran no htmlChecks(), left external code systems (BCP-13) alone.</summary>
    private const int ErrorsFromClosedGaps = 4 + 3 + 1;

    /// <summary>Errors from checking responses against their Questionnaire (issue 23), which no engine did before.</summary>
    private const int ErrorsFromQuestionnaireChecks = 2;

    /// <summary>
    /// Every example with error issues: how many, and why. Observation-decimal is not among them: the parser keeps
    /// decimals System.Decimal cannot hold exactly (their text), so it parses, and Firely's validator finds no error in it
    /// (it was a parser 400 here before, counted in the previous engine's total too).
    /// </summary>
    private static readonly Dictionary<string, (int Errors, string Why)> KnownErrors = new()
    {
        ["Questionnaire-qs1.json"] = (32, "nested display items have no linkId; Questionnaire.item.linkId is 1..1 (the previous engine reported 31 of them)"),
        ["MessageHeader-1cbdfb97-5859-48a4-8301-d54eab818d68.json"] = (1, "definition 'http:////acme.com/...' is no URI; the validator stops on it (the previous engine: not a correct canonical)"),
        ["ActivityDefinition-blood-tubes-supply.json"] = (1, "txt-2: the narrative div holds only whitespace (closed gap: htmlChecks)"),
        ["ActivityDefinition-heart-valve-replacement.json"] = (1, "txt-2: the narrative div holds only whitespace (closed gap: htmlChecks)"),
        ["EventDefinition-example.json"] = (1, "txt-2: the narrative div holds only whitespace (closed gap: htmlChecks)"),
        ["Questionnaire-zika-virus-exposure-assessment.json"] = (1, "txt-2: the narrative div holds only an empty <pre> (closed gap: htmlChecks)"),
        ["Basic-referral.json"] = (3, "three modifierExtensions with example.org URLs no server holds; an unknown modifier extension cannot be ignored (closed gap: extensions)"),
        ["Bundle-b0a5e4277-83c4-4adb-87e2-e3efe3369b6f.json"] = (1, "payloadMimeType 'application/hl7-sda+xml; variant=XDA/XDS': a parameter value with '/' must be quoted (RFC 2045), required binding to mimetypes (closed gap: BCP-13)"),
        ["RiskAssessment-breastcancer-risk.json"] = (1, "ras-2 on a prediction without probability: Firely's FHIRPath counts the empty result of 'probability is decimal implies ...' as a failure"),
        ["RiskAssessment-prognosis.json"] = (1, "ras-2 on a prediction without probability, as above"),
        ["QuestionnaireResponse-gcs.json"] = (1, "answers Questionnaire/gcs, which this test does not store (a response is checked against its Questionnaire)"),
        ["QuestionnaireResponse-ussg-fht-answers.json"] = (1, "answers Questionnaire/ussg-fht, which no example defines (a response is checked against its Questionnaire)"),
    };

    [SkippableFact]
    public async Task Every_official_example_validates_against_its_base_with_only_the_known_errors()
    {
        var examples = SharedFixtures.Require("examples");
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var errors = new Dictionary<string, List<string>>();
        var files = Directory.EnumerateFiles(examples, "*.json").Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var found = await ErrorsAsync(client, name[..name.IndexOf('-')], file);
            if (found.Count > 0) errors[name] = found;
        }
        Assert.Equal(677, files.Count);
        var unexplained = errors.Where(e => !KnownErrors.TryGetValue(e.Key, out var known) || known.Errors != e.Value.Count)
            .Select(e => $"{e.Key}: {e.Value.Count} errors: {string.Join(" | ", e.Value.Take(3))}").ToList();
        var gone = KnownErrors.Keys.Where(k => !errors.ContainsKey(k)).ToList();
        Assert.True(unexplained.Count == 0 && gone.Count == 0, $"unexplained: {string.Join("\n", unexplained)}\nno longer failing: {string.Join(", ", gone)}");
        Assert.True(errors.Values.Sum(e => e.Count) - ErrorsFromClosedGaps - ErrorsFromQuestionnaireChecks <= PreviousEngineErrors);
    }

    [SkippableFact]
    public async Task Official_examples_of_the_portal_types_have_no_errors_against_core_definitions()
    {
        var examples = SharedFixtures.Require("examples");
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var failures = new List<string>();
        var count = 0;
        foreach (var type in PortalTypes)
        foreach (var file in Directory.EnumerateFiles(examples, $"{type}-*.json").Order(StringComparer.Ordinal))
        {
            count++;
            failures.AddRange((await ErrorsAsync(client, type, file)).Select(e => $"{Path.GetFileName(file)}: {e}"));
        }
        Assert.Equal(149, count);
        Assert.Empty(failures);
    }

    private static async Task<List<string>> ErrorsAsync(HttpClient client, string type, string file)
    {
        var response = await client.PostAsync($"{type}/$validate", Fhir.Body(await File.ReadAllTextAsync(file)));
        var outcome = await response.ReadJsonAsync();
        if ((int)response.StatusCode != 200) return [$"HTTP {(int)response.StatusCode} {outcome["issue"]?[0]?["diagnostics"]}"];
        return [.. outcome["issue"]!.AsArray().Where(i => i!["severity"]!.GetValue<string>() is "error" or "fatal")
            .Select(i => $"{i!["expression"]?[0]} {i["diagnostics"]}")];
    }
}
