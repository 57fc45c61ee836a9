using System.Globalization;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Messaging;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using TaskStatus = Hl7.Fhir.Model.Task.TaskStatus;

namespace FhirPortal.Core.Forms;

/// <summary>
/// Form assignments: a Task with the portal code <c>complete-questionnaire</c>, <c>focus</c> the Questionnaire,
/// <c>for</c> the patient, optionally <c>basedOn</c> the Appointment it prepares (then due, <c>restriction.period.end</c>,
/// no later than the appointment's start). A completed response completes its assignment in the same commit.
/// </summary>
internal sealed class FormTasks(ConditionalCriteria criteria)
{
    public const string Code = "complete-questionnaire";
    private const string OpenStatuses = "draft,requested,received,accepted,ready,in-progress,on-hold";

    public static bool IsAssignment(Hl7.Fhir.Model.Task task) =>
        task.Code?.Coding.Any(c => c.System == InboxTasks.TaskCodeSystem && c.Code == Code) == true;

    /// <summary>A new or changed assignment names a stored Questionnaire, a patient and (optionally) an appointment of that patient it is due before; 422 otherwise.</summary>
    public static async System.Threading.Tasks.Task CheckAssignmentAsync(UnitOfWork unit, Hl7.Fhir.Model.Task task, CancellationToken ct)
    {
        if (MessageReferences.Local(task.Focus?.Reference) is not ["Questionnaire", var formId]
            || await unit.CurrentAsync(new ResourceKey("Questionnaire", formId), ct) is not { IsDeleted: false })
            throw FhirOutcomeException.Unprocessable(
                $"A {Code} Task's focus must be a Questionnaire on this server (Questionnaire/[id]); {task.Focus?.Reference ?? "none"} is not.", "Task.focus");
        if (MessageReferences.Key(task.For?.Reference) is not { } patient || !patient.StartsWith("Patient/", StringComparison.Ordinal))
            throw FhirOutcomeException.Unprocessable($"A {Code} Task is for a patient: Task.for must be Patient/[id].", "Task.for");
        foreach (var basis in task.BasedOn)
        {
            if (MessageReferences.Local(basis.Reference) is not ["Appointment", var appointmentId]) continue;
            var stored = await unit.CurrentAsync(new ResourceKey("Appointment", appointmentId), ct);
            if (stored is not { IsDeleted: false } || FhirParser.ParseStored(stored.Json.Span) is not Appointment appointment)
                throw FhirOutcomeException.Unprocessable($"Task.basedOn {basis.Reference} is not an appointment on this server.", "Task.basedOn");
            if (!appointment.Participant.Any(p => MessageReferences.Key(p.Actor?.Reference) == patient))
                throw FhirOutcomeException.Unprocessable($"Task.basedOn {basis.Reference} is not an appointment of {patient}.", "Task.basedOn");
            if (task.Restriction?.Period?.EndElement?.ToDateTimeOffset(TimeSpan.Zero) is { } due && appointment.Start is { } start && due > start)
                throw FhirOutcomeException.Unprocessable(
                    $"The form must be due (Task.restriction.period.end {task.Restriction.Period.End}) no later than the start of {basis.Reference} ({start:yyyy-MM-dd'T'HH:mm:ssK}).",
                    "Task.restriction.period.end");
        }
    }

    /// <summary>
    /// Checks the assignments a response names in <c>basedOn</c> and, when it is <paramref name="completing"/>, completes
    /// the assignment it fulfils: each named assignment must be for the response's subject with focus
    /// <paramref name="form"/>, the stored Questionnaire it answers (null: none, or a contained one), and, to be completed,
    /// open (422 otherwise); without named Tasks, the oldest open assignment of this form for the subject, if any.
    /// </summary>
    public async System.Threading.Tasks.Task CompleteAsync(UnitOfWork unit, string responseId, QuestionnaireResponse response, ResourceKey? form, bool completing, CancellationToken ct)
    {
        var subject = MessageReferences.Key(response.Subject?.Reference);
        var named = response.BasedOn.Select(b => MessageReferences.Local(b.Reference)).Where(r => r is ["Task", _]).Select(r => r![1]).ToList();
        var versions = new List<StoredResource>();
        foreach (var id in named)
        {
            var stored = await unit.CurrentAsync(new ResourceKey("Task", id), ct);
            var task = Parse(stored);
            // A draft (or a response to no stored form) may name any Task; an assignment it names must be of its own form,
            // and a completion of a stored form names only open assignments.
            if ((!completing || form is null) && (task is null || !IsAssignment(task))) continue;
            if (!Matches(task, subject, form) || completing && !IsOpen(task!.Status))
                throw FhirOutcomeException.Unprocessable(
                    $"QuestionnaireResponse.basedOn Task/{id} is not an open {Code} Task for {subject ?? "this subject"} with focus "
                    + (form is null ? "the Questionnaire this response answers (a stored one, not a contained one)." : $"{form}."),
                    "QuestionnaireResponse.basedOn");
            versions.Add(stored!);
        }
        if (!completing || form is null) return;
        if (named.Count == 0 && subject is not null)
        {
            var query = criteria.Parse("Task", $"patient={subject}&focus={form}&status={OpenStatuses}") with { Count = 100, Cursor = null };
            var found = (await unit.Store.SearchAsync(query, ct)).Entries.Where(e => !unit.HasStaged(e.Key)).Concat(unit.StagedOf("Task").Where(v => !v.IsDeleted));
            if (found.Where(v => Parse(v) is { } t && Matches(t, subject, form) && IsOpen(t.Status)).OrderBy(v => Parse(v)!.AuthoredOn, StringComparer.Ordinal).FirstOrDefault() is { } oldest)
                versions.Add(oldest);
        }
        foreach (var version in versions)
        {
            var task = Parse(version)!;
            task.Status = TaskStatus.Completed;
            task.LastModified = unit.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
            task.Output.Add(new Hl7.Fhir.Model.Task.OutputComponent
            {
                Type = new CodeableConcept(InboxTasks.TaskCodeSystem, "questionnaire-response", "The completed form"),
                Value = new ResourceReference($"QuestionnaireResponse/{responseId}"),
            });
            // Note: the new version gets its own id and time; the client's security labels, tags and profiles stay.
            if (task.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null);
            await unit.StageForRule(task, version.Key.Id, ct);
        }
    }

    /// <summary>An assignment of the stored <paramref name="form"/> for <paramref name="subject"/>, compared by key.</summary>
    private static bool Matches(Hl7.Fhir.Model.Task? task, string? subject, ResourceKey? form) =>
        task is not null && IsAssignment(task) && subject is not null && form is not null
        && MessageReferences.Key(task.For?.Reference) == subject && MessageReferences.Key(task.Focus?.Reference) == form.ToString();

    private static bool IsOpen(TaskStatus? status) =>
        status is not (TaskStatus.Completed or TaskStatus.Cancelled or TaskStatus.Failed or TaskStatus.Rejected or TaskStatus.EnteredInError);

    private static Hl7.Fhir.Model.Task? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as Hl7.Fhir.Model.Task : null;
}
