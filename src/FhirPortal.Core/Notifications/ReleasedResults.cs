using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// What counts as a patient's released result, for "new result" notices and the subscription result topic alike: a
/// DiagnosticReport, or an Observation of category laboratory, with status final, amended (or its kind appended) or corrected.
/// </summary>
internal static class ReleasedResults
{
    private const string CategorySystem = "http://terminology.hl7.org/CodeSystem/observation-category";

    public static readonly HashSet<string> Statuses = ["final", "amended", "corrected", "appended"];

    /// <summary>Whether <paramref name="resource"/> is a released result now.</summary>
    public static bool IsReleased(Resource resource) =>
        resource is DomainResource result && StatusOf(result) is { } status && Statuses.Contains(status)
        && (result is not Observation observation || IsLaboratory(observation));

    public static bool IsLaboratory(Observation observation) =>
        observation.Category.SelectMany(c => c.Coding).Any(c => c.System == CategorySystem && c.Code == "laboratory");

    /// <summary>The status of a DiagnosticReport or Observation; null for anything else.</summary>
    public static string? StatusOf(DomainResource result) => result switch
    {
        Observation o => o.Status?.GetLiteral(),
        DiagnosticReport d => d.Status?.GetLiteral(),
        _ => null,
    };
}
