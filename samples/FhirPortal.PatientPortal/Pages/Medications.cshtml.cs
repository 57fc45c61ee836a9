using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Medications: the prescriptions (MedicationRequest), current first, with their fills (MedicationDispense).</summary>
public sealed class MedicationsModel(PatientRecord record) : PageModel
{
    public List<MedicationRequest> Current { get; private set; } = [];
    public List<MedicationRequest> Past { get; private set; } = [];
    private ILookup<string, MedicationDispense> _fills = Array.Empty<MedicationDispense>().ToLookup(d => "");

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        var requests = await record.SearchAsync<MedicationRequest>($"patient={record.PatientId}", "_sort=-authoredon", "_count=100");
        var dispenses = await record.SearchAsync<MedicationDispense>($"patient={record.PatientId}", "_sort=-whenhandedover", "_count=200");
        _fills = dispenses.SelectMany(d => d.AuthorizingPrescription.Select(p => (p.Reference, d))).ToLookup(x => x.Reference ?? "", x => x.d);
        Current = requests.Where(r => r.Status == MedicationRequest.MedicationrequestStatus.Active).ToList();
        Past = requests.Except(Current).ToList();
    }

    /// <summary>The fills of a prescription, newest first.</summary>
    public IReadOnlyList<MedicationDispense> Fills(MedicationRequest request) => [.. _fills["MedicationRequest/" + request.Id]];

    public static string Name(MedicationRequest request) =>
        request.Medication is CodeableConcept c ? Display.Text(c) : (request.Medication as ResourceReference)?.Display ?? "Medication";
}
