using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;
using Status = Hl7.Fhir.Model.QuestionnaireResponse.QuestionnaireResponseStatus;

namespace FhirPortal.Core.Forms;

/// <summary>
/// The pre-visit forms rules, run on every QuestionnaireResponse and Task write (REST, transactions):
/// <list type="bullet">
/// <item>a response conforms to its Questionnaire (<see cref="FormResponses"/>, 422 with every issue otherwise);</item>
/// <item>a completed response stays completed: a change is <c>amended</c> (each version stays in the history), never
/// back to a draft;</item>
/// <item>a response that becomes <c>completed</c> completes its form assignment in the same commit (<see cref="FormTasks"/>);
/// <c>amended</c> leaves the Task as it is; only a response to the stored Questionnaire that is the assignment's focus
/// does (a contained Questionnaire never), and naming another form's assignment in <c>basedOn</c> is 422;</item>
/// <item>a form assignment Task names a stored Questionnaire, a patient and an appointment it is due before (<see cref="FormTasks.CheckAssignmentAsync"/>).</item>
/// </list>
/// </summary>
internal sealed class FormRules(FormResponses responses, FormTasks tasks) : IWriteRule
{
    public async System.Threading.Tasks.Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.IsDeleted) return;
        switch (write.Version.Key.Type)
        {
            case "QuestionnaireResponse":
                await CheckResponseAsync(unit, write, ct);
                break;
            case "Task" when !write.ByServer && FhirParser.ParseStored(write.Version.Json.Span) is Hl7.Fhir.Model.Task task && FormTasks.IsAssignment(task):
                await FormTasks.CheckAssignmentAsync(unit, task, ct);
                break;
        }
    }

    private async System.Threading.Tasks.Task CheckResponseAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (FhirParser.ParseStored(write.Version.Json.Span) is not QuestionnaireResponse response) return;
        var before = write.Previous is { IsDeleted: false } previous ? FhirParser.ParseStored(previous.Json.Span) as QuestionnaireResponse : null;
        var wasDone = before?.Status is Status.Completed or Status.Amended;
        if (wasDone && response.Status is Status.InProgress or Status.Stopped)
            throw FhirOutcomeException.Unprocessable(
                $"{write.Version.Key} is completed; change it as status amended (its earlier versions stay in the history), not back to a draft.",
                "QuestionnaireResponse.status");

        var (form, issues) = await responses.CheckAsync(response, QuestionnaireLookup.Of(unit), ct);
        if (issues.Any(i => i.Severity is IssueSeverity.Error or IssueSeverity.Fatal))
        {
            var outcome = new OperationOutcome();
            outcome.Issue.AddRange(issues);
            throw new FhirOutcomeException(422, outcome);
        }
        // Only a stored Questionnaire can be an assignment's form: a contained one is the client's own, whatever its id.
        ResourceKey? stored = form is { Id: { } formId } && !QuestionnaireLookup.IsContained(response.Questionnaire!) ? new ResourceKey("Questionnaire", formId) : null;
        await tasks.CompleteAsync(unit, write.Version.Key.Id, response, stored, completing: response.Status == Status.Completed && !wasDone, ct);
    }
}
