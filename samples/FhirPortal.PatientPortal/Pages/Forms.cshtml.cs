using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Forms: the questionnaires the care team asked the patient to fill in (complete-questionnaire Tasks), open ones first.</summary>
public sealed class FormsModel(Forms forms) : PageModel
{
    public List<Hl7.Fhir.Model.Task> Open { get; private set; } = [];
    public List<Hl7.Fhir.Model.Task> Done { get; private set; } = [];
    public Dictionary<string, Questionnaire> Questionnaires { get; private set; } = [];

    [Microsoft.AspNetCore.Mvc.TempData] public string? Message { get; set; }

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        var (tasks, questionnaires) = await forms.AssignmentsAsync();
        Questionnaires = questionnaires;
        Open = tasks.Where(t => new FormAssignment(t, new Questionnaire(), null).IsOpen).ToList();
        Done = tasks.Except(Open).ToList();
    }

    public string Title(Hl7.Fhir.Model.Task task) => FormAssignment.Title(Questionnaires.GetValueOrDefault(task.Focus?.Reference ?? ""));
}
