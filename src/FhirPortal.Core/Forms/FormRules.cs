using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
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
        if (write.Version.IsDeleted)
        {
            CheckDelete(unit, write);
            return;
        }
        switch (write.Version.Key.Type)
        {
            case "QuestionnaireResponse":
                await CheckResponseAsync(unit, write, ct);
                break;
            case "Task" when !write.ByServer && unit.ResourceOf(write.Version) is Hl7.Fhir.Model.Task task && FormTasks.IsAssignment(task):
                await FormTasks.CheckAssignmentAsync(unit, task, ct);
                break;
        }
    }

    private async System.Threading.Tasks.Task CheckResponseAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (unit.ResourceOf(write.Version) is not QuestionnaireResponse response) return;
        var before = await LastLiveAsync(unit, write, ct);
        var wasDone = IsFinal(before?.Status);
        if (wasDone && response.Status is Status.InProgress or Status.Stopped)
            throw FhirOutcomeException.Unprocessable(
                $"{write.Version.Key} is {Code(before!.Status)}; change it as status amended (its earlier versions stay in the history), not back to a draft.",
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

    /// <summary>A patient's own completed form is part of the record: only staff delete it.</summary>
    private static void CheckDelete(UnitOfWork unit, StagedWrite write)
    {
        if (write.Version.Key.Type != "QuestionnaireResponse" || unit.Access.Caller.PatientId is null || write.Previous is not { IsDeleted: false } previous) return;
        if (FhirParser.ParseStored(previous.Json.Span) is QuestionnaireResponse { Status: var status } && IsFinal(status))
            throw FhirOutcomeException.Unprocessable(
                $"{write.Version.Key} is {Code(status)}; a patient cannot delete a completed form (amend it instead; staff can mark it entered-in-error).");
    }

    /// <summary>
    /// The response's last version that was not a delete (null: none), so a delete and a re-create under the same id
    /// cannot reopen a completed form. The history is read only when the version replaced is a delete.
    /// </summary>
    private static async System.Threading.Tasks.Task<QuestionnaireResponse?> LastLiveAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Previous is null) return null;
        if (!write.Previous.IsDeleted) return FhirParser.ParseStored(write.Previous.Json.Span) as QuestionnaireResponse;
        string? cursor = null;
        do
        {
            var page = await unit.Store.HistoryAsync(new HistoryQuery(write.Version.Key.Type, write.Version.Key.Id, null, null, null, 50, cursor), ct);
            if (page.Entries.OrderByDescending(e => e.LastUpdated).FirstOrDefault(e => !e.IsDeleted) is { } live)
                return FhirParser.ParseStored(live.Json.Span) as QuestionnaireResponse;
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return null;
    }

    /// <summary>Completed, amended and entered-in-error are final (R4 questionnaire-answers-status): none goes back to a draft.</summary>
    private static bool IsFinal(Status? status) => status is Status.Completed or Status.Amended or Status.EnteredInError;

    private static string Code(Status? status) => status?.GetLiteral() ?? "unknown";
}
