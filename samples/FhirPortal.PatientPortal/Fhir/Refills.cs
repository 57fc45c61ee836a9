using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// The patient's prescriptions with their refill requests (Tasks whose focus is the MedicationRequest) and fills
/// (MedicationDispense), in one search with <c>_revinclude</c>; and <c>$request-refill</c>. The server decides whether a
/// refill may be requested (active, refills left, not too early, one open request), so its refusals are shown as given.
/// </summary>
public sealed class Refills(PatientRecord record)
{
    public const string TaskCodes = "http://fhirportal.org/fhir/CodeSystem/portal-task";

    /// <summary>Prescriptions newest first, with each one's refill requests and fills newest first.</summary>
    public async Task<List<Prescription>> PrescriptionsAsync()
    {
        var bundle = await (await record.ClientAsync()).SearchAsync<MedicationRequest>(
        [
            $"patient={record.PatientId}", "_sort=-authoredon", "_count=100",
            "_revinclude=Task:focus", "_revinclude=MedicationDispense:prescription",
        ]);
        var entries = bundle?.Entry ?? [];
        var requests = entries.Where(e => e.Search?.Mode != Bundle.SearchEntryMode.Include).Select(e => e.Resource).OfType<MedicationRequest>().ToList();
        var included = entries.Select(e => e.Resource).ToList();
        var tasks = included.OfType<Hl7.Fhir.Model.Task>()
            .Where(t => t.Code?.Coding.Any(c => c.System == TaskCodes && c.Code == "refill-request") == true)
            .ToLookup(t => t.Focus?.Reference ?? "");
        var fills = included.OfType<MedicationDispense>()
            .SelectMany(d => d.AuthorizingPrescription.Select(p => (p.Reference, d)))
            .ToLookup(x => x.Reference ?? "", x => x.d);
        return requests.Select(r => new Prescription(r,
                [.. tasks["MedicationRequest/" + r.Id].OrderByDescending(t => t.AuthoredOn, StringComparer.Ordinal)],
                [.. fills["MedicationRequest/" + r.Id].OrderByDescending(d => d.WhenHandedOver, StringComparer.Ordinal)]))
            .ToList();
    }

    /// <summary>Asks for a refill (<c>MedicationRequest/{id}/$request-refill</c>); the server answers with the new Task.</summary>
    public async Task<Hl7.Fhir.Model.Task?> RequestAsync(string prescriptionId) =>
        await (await record.ClientAsync()).InstanceOperationAsync(new Uri("MedicationRequest/" + prescriptionId, UriKind.Relative), "request-refill")
            as Hl7.Fhir.Model.Task;
}

/// <summary>A prescription with its refill requests and fills, newest first.</summary>
public sealed record Prescription(MedicationRequest Request, List<Hl7.Fhir.Model.Task> RefillRequests, List<MedicationDispense> Fills)
{
    private static readonly HashSet<Hl7.Fhir.Model.Task.TaskStatus> Open =
        [Hl7.Fhir.Model.Task.TaskStatus.Requested, Hl7.Fhir.Model.Task.TaskStatus.Accepted, Hl7.Fhir.Model.Task.TaskStatus.InProgress];

    public bool IsActive => Request.Status == MedicationRequest.MedicationrequestStatus.Active;

    /// <summary>The refill request still being handled, if any.</summary>
    public Hl7.Fhir.Model.Task? OpenRequest => RefillRequests.FirstOrDefault(t => t.Status is { } s && Open.Contains(s));

    public string Name => Request.Medication is CodeableConcept c ? Display.Text(c) : (Request.Medication as ResourceReference)?.Display ?? "Medication";

    /// <summary>A refill request's state for the patient: its status, and where it is (businessStatus) when the pharmacy said.</summary>
    public static string State(Hl7.Fhir.Model.Task task)
    {
        var status = Display.Code(task.Status);
        var code = task.BusinessStatus?.Coding.FirstOrDefault()?.Code;
        var business = task.BusinessStatus?.Text ?? task.BusinessStatus?.Coding.FirstOrDefault()?.Display ?? code switch
        {
            "sent-to-pharmacy" => "sent to the pharmacy", "ready-for-pickup" => "ready for pickup", "shipped" => "shipped", _ => code ?? "",
        };
        return business.Length > 0 ? $"{status}: {business}" : status;
    }
}
