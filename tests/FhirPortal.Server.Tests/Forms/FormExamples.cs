using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Forms;

/// <summary>The official R4 Questionnaire examples (../shared/fixtures/examples), stored under their ids, and responses to them.</summary>
internal static class FormExamples
{
    /// <summary>A fixture example as JSON; fails in CI, skips elsewhere when the fixtures are missing.</summary>
    public static JsonNode Read(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SharedFixtures.Require("examples"), file)))!;

    /// <summary>PUTs an example under its own id (or <paramref name="id"/>).</summary>
    public static async Task PutAsync(HttpClient client, JsonNode resource, string? id = null)
    {
        if (id is not null) resource["id"] = id;
        var type = (string)resource["resourceType"]!;
        var response = await client.PutAsync($"{type}/{(string)resource["id"]!}", Fhir.Body(resource));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A response with <paramref name="status"/> to <paramref name="questionnaire"/> for Patient/p1 with the given items.</summary>
    public static JsonNode Response(string questionnaire, string status, string items)
    {
        var response = JsonNode.Parse($$"""
            { "resourceType": "QuestionnaireResponse", "questionnaire": "{{questionnaire}}", "status": "{{status}}",
              "subject": { "reference": "Patient/p1" }, "authored": "2024-03-01T10:00:00Z", "item": [ {{items}} ] }
            """)!;
        if (items.Length == 0) response.AsObject().Remove("item");
        return response;
    }

    /// <summary>The error issues of an OperationOutcome as (expression, diagnostics).</summary>
    public static List<(string Expression, string Text)> Errors(JsonNode outcome) =>
        [.. outcome["issue"]!.AsArray().Where(i => (string)i!["severity"]! is "error" or "fatal")
            .Select(i => ((string?)i!["expression"]?[0] ?? "", (string?)i["diagnostics"] ?? ""))];
}
