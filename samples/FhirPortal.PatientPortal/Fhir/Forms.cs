using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// Forms assigned to the patient: Tasks with the portal code <c>complete-questionnaire</c> whose focus is the
/// Questionnaire; answers are QuestionnaireResponses, saved as drafts (<c>in-progress</c>) and submitted
/// (<c>completed</c>, which completes the Task on the server); a new form is pre-filled by <c>Questionnaire/$populate</c>.
/// The server checks every response against its Questionnaire, so its issues (by linkId) come back as an OperationOutcome.
/// </summary>
public sealed partial class Forms(PatientRecord record, TimeProvider clock)
{
    public const string TaskCodes = "http://fhirportal.org/fhir/CodeSystem/portal-task", AssignmentCode = "complete-questionnaire";

    /// <summary>The patient's form assignments, newest first, with their Questionnaires (reference → form).</summary>
    public async Task<(List<Hl7.Fhir.Model.Task> Tasks, Dictionary<string, Questionnaire> Forms)> AssignmentsAsync()
    {
        var bundle = await (await record.ClientAsync()).SearchAsync<Hl7.Fhir.Model.Task>(
            [$"patient={record.PatientId}", $"code={TaskCodes}|{AssignmentCode}", "_sort=-authored-on", "_include=Task:focus", "_count=50"]);
        var resources = bundle?.Entry.Select(e => e.Resource).OfType<Resource>().ToList() ?? [];
        return (resources.OfType<Hl7.Fhir.Model.Task>().ToList(),
            resources.OfType<Questionnaire>().DistinctBy(q => q.Id).ToDictionary(q => "Questionnaire/" + q.Id));
    }

    /// <summary>
    /// An assignment with its form and the patient's draft of it (if one was saved). The form is only ever a
    /// Questionnaire of this FHIR server (the Task's focus <c>Questionnaire/{id}</c>, relative or under the configured
    /// base), taken from the Task search's <c>_include</c>: a focus URL elsewhere would carry the patient's token there.
    /// </summary>
    public async Task<FormAssignment?> AssignmentAsync(string taskId)
    {
        if (!FhirId().IsMatch(taskId)) return null;
        var client = await record.ClientAsync();
        List<Resource> found;
        try
        {
            found = (await client.SearchAsync<Hl7.Fhir.Model.Task>([$"_id={taskId}", "_include=Task:focus"]))?.Entry.Select(e => e.Resource).OfType<Resource>().ToList() ?? [];
        }
        catch (FhirOperationException e) when ((int)e.Status is 403 or 404 or 410)
        {
            return null;
        }
        if (found.OfType<Hl7.Fhir.Model.Task>().FirstOrDefault(t => t.Id == taskId) is not { } task
            || task.Code?.Coding.Any(c => c.System == TaskCodes && c.Code == AssignmentCode) != true
            || QuestionnaireId(task.Focus?.Reference, client.Endpoint) is not { } formId) return null;
        var form = found.OfType<Questionnaire>().FirstOrDefault(q => q.Id == formId)
                   ?? (await client.ReadAsync<Questionnaire>("Questionnaire/" + formId))!;
        var drafts = await record.SearchAsync<QuestionnaireResponse>($"subject={record.PatientReference}", "status=in-progress", "_count=100");
        var draft = drafts.Where(r => r.BasedOn.Any(b => b.Reference == "Task/" + taskId)).MaxBy(r => r.Meta?.LastUpdated);
        return new FormAssignment(task, form, draft);
    }

    /// <summary>The id in a focus <c>Questionnaire/{id}</c>, relative or under <paramref name="fhirBase"/>; null for anything else.</summary>
    internal static string? QuestionnaireId(string? focus, Uri fhirBase)
    {
        var root = fhirBase.OriginalString.TrimEnd('/') + "/";
        var path = focus?.StartsWith(root, StringComparison.OrdinalIgnoreCase) == true ? focus[root.Length..] : focus;
        return path?.Split('/') is ["Questionnaire", var id] && FhirId().IsMatch(id) ? id : null;
    }

    [GeneratedRegex("^[A-Za-z0-9.-]{1,64}$")]
    private static partial Regex FhirId();

    /// <summary>Answers the record already gives (<c>Questionnaire/{id}/$populate</c> for the patient).</summary>
    public async Task<QuestionnaireResponse?> PopulateAsync(Questionnaire form)
    {
        var parameters = new Parameters();
        parameters.Add("subject", new FhirString(record.PatientReference));
        var result = await (await record.ClientAsync()).InstanceOperationAsync(new Uri("Questionnaire/" + form.Id, UriKind.Relative), "populate", parameters, useGet: true);
        return (result as Parameters)?.Parameter.FirstOrDefault(p => p.Name == "response")?.Resource as QuestionnaireResponse;
    }

    /// <summary>
    /// Saves the answers as the assignment's response: a draft (<c>in-progress</c>) or submitted (<c>completed</c>). The
    /// same resource is updated when a draft exists, so a form has one response.
    /// </summary>
    public async Task<QuestionnaireResponse> SaveAsync(FormAssignment assignment, FormAnswers answers, bool submit)
    {
        var response = answers.ToResponse(assignment.Form);
        response.Id = assignment.Draft?.Id;
        response.Status = submit ? QuestionnaireResponse.QuestionnaireResponseStatus.Completed : QuestionnaireResponse.QuestionnaireResponseStatus.InProgress;
        response.Questionnaire = assignment.Form.Url is { } url ? (assignment.Form.Version is { } v ? $"{url}|{v}" : url) : "Questionnaire/" + assignment.Form.Id;
        response.BasedOn = [new ResourceReference("Task/" + assignment.Task.Id)];
        response.Subject = new ResourceReference(record.PatientReference);
        response.Author = new ResourceReference(record.PatientReference);
        response.Authored = clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
        var client = await record.ClientAsync();
        return (response.Id is null ? await client.CreateAsync(response) : await client.UpdateAsync(response))!;
    }
}

/// <summary>An assigned form: the Task, its Questionnaire and the patient's saved draft, if any.</summary>
public sealed record FormAssignment(Hl7.Fhir.Model.Task Task, Questionnaire Form, QuestionnaireResponse? Draft)
{
    public bool IsOpen => Task.Status is not (Hl7.Fhir.Model.Task.TaskStatus.Completed or Hl7.Fhir.Model.Task.TaskStatus.Cancelled
        or Hl7.Fhir.Model.Task.TaskStatus.Rejected or Hl7.Fhir.Model.Task.TaskStatus.EnteredInError or Hl7.Fhir.Model.Task.TaskStatus.Failed);

    public static string Title(Questionnaire? form) => form?.Title ?? form?.Name ?? "Form";
}
