using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>The server's own explanation of a refusal (the text of its OperationOutcome), for showing to the patient.</summary>
public static class ServerProblem
{
    /// <summary>The issue texts of a FhirClient error, or a plain sentence with the status when the server gave none.</summary>
    public static IReadOnlyList<string> Texts(FhirOperationException e) => Texts(e.Outcome, (int)e.Status);

    public static string Text(FhirOperationException e) => Texts(e)[0];

    public static IReadOnlyList<string> Texts(OperationOutcome? outcome, int status)
    {
        var texts = outcome?.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => i.Diagnostics ?? i.Details?.Text).OfType<string>().Where(t => t.Length > 0).ToList() ?? [];
        return texts.Count > 0 ? texts : [$"The server refused the request ({status})."];
    }

    /// <summary>The issue texts of a raw OperationOutcome body (for calls made with HttpClient, e.g. the Binary upload).</summary>
    public static string TextOf(string json, int status)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.TryGetProperty("issue", out var issues))
            {
                var texts = issues.EnumerateArray()
                    .Select(i => i.TryGetProperty("diagnostics", out var d) ? d.GetString()
                        : i.TryGetProperty("details", out var details) && details.TryGetProperty("text", out var t) ? t.GetString() : null)
                    .OfType<string>().ToList();
                if (texts.Count > 0) return string.Join(" ", texts);
            }
        }
        catch (JsonException)
        {
            // Not an OperationOutcome (e.g. a proxy's page): fall back to the status.
        }
        return $"The server refused the request ({status}).";
    }
}
