using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// The staff inbox: each patient message gets a Task (code <c>fulfill</c> plus the portal code
/// <c>message-response</c>, focus the message, owner its first recipient, due in
/// <c>FhirPortal:Messaging:ResponseBusinessDays</c> business days as <c>restriction.period.end</c>), staged with the
/// message; a reply (<c>inResponseTo</c>) by anyone but the patient completes the open Tasks of what it answers.
/// </summary>
internal sealed class InboxTasks(ConditionalCriteria criteria, MessagingOptions options)
{
    public const string TaskCodeSystem = "http://fhirportal.org/fhir/CodeSystem/portal-task";
    private const string OpenStatuses = "draft,requested,received,accepted,ready,in-progress,on-hold";

    /// <summary>Stages the open Task for a patient's message <paramref name="messageId"/>.</summary>
    public async System.Threading.Tasks.Task StageAsync(UnitOfWork unit, string messageId, Communication message, CancellationToken ct)
    {
        var task = new Hl7.Fhir.Model.Task
        {
            Status = Hl7.Fhir.Model.Task.TaskStatus.Requested,
            Intent = Hl7.Fhir.Model.Task.TaskIntent.Order,
            Code = new CodeableConcept
            {
                Coding =
                [
                    new Coding("http://hl7.org/fhir/CodeSystem/task-code", "fulfill", "Fulfill the focal request"),
                    new Coding(TaskCodeSystem, "message-response", "Answer the patient's message"),
                ],
            },
            Description = "Answer the patient's message",
            Focus = new ResourceReference($"Communication/{messageId}"),
            For = message.Subject is null ? null : new ResourceReference(message.Subject.Reference),
            Requester = message.Sender is null ? null : new ResourceReference(message.Sender.Reference),
            Owner = message.Recipient.FirstOrDefault() is { } owner ? new ResourceReference(owner.Reference) : null,
            AuthoredOn = Instant(unit.Now),
            LastModified = Instant(unit.Now),
            Restriction = new Hl7.Fhir.Model.Task.RestrictionComponent { Period = new Period { End = Instant(Due(unit.Now, options.ResponseBusinessDays)) } },
        };
        await unit.StageForRule(task, CreateInteraction.NewId(), ct);
    }

    /// <summary>Completes the open inbox Tasks of the messages <paramref name="reply"/> answers.</summary>
    public async System.Threading.Tasks.Task CompleteAsync(UnitOfWork unit, string replyId, Communication reply, CancellationToken ct)
    {
        foreach (var answered in reply.InResponseTo.Select(r => MessageReferences.Key(r.Reference)).OfType<string>())
        {
            if (!answered.StartsWith("Communication/", StringComparison.Ordinal)) continue;
            var query = criteria.Parse("Task", $"focus={answered}&status={OpenStatuses}") with { Count = 100, Cursor = null };
            var found = (await unit.Store.SearchAsync(query, ct)).Entries.Where(e => !unit.HasStaged(e.Key))
                .Concat(unit.StagedOf("Task").Where(v => !v.IsDeleted));
            foreach (var version in found)
            {
                var task = (Hl7.Fhir.Model.Task)FhirParser.ParseStored(version.Json.Span);
                if (MessageReferences.Key(task.Focus?.Reference) != answered || !IsInbox(task) || !IsOpen(task.Status)) continue;
                task.Status = Hl7.Fhir.Model.Task.TaskStatus.Completed;
                task.LastModified = Instant(unit.Now);
                task.Output.Add(new Hl7.Fhir.Model.Task.OutputComponent
                {
                    Type = new CodeableConcept(TaskCodeSystem, "reply", "The reply"),
                    Value = new ResourceReference($"Communication/{replyId}"),
                });
                // Note: the new version gets its own id and time; the client's security labels, tags and profiles stay.
                if (task.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null);
                await unit.StageForRule(task, version.Key.Id, ct);
            }
        }
    }

    /// <summary><paramref name="days"/> business days (Monday to Friday, UTC) after <paramref name="from"/>.</summary>
    public static DateTimeOffset Due(DateTimeOffset from, int days)
    {
        var due = from;
        for (var added = 0; added < days;)
        {
            due = due.AddDays(1);
            if (due.UtcDateTime.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) added++;
        }
        return due;
    }

    private static bool IsInbox(Hl7.Fhir.Model.Task task) => task.Code?.Coding.Any(c => c.System == TaskCodeSystem && c.Code == "message-response") == true;

    private static bool IsOpen(Hl7.Fhir.Model.Task.TaskStatus? status) => status is not (Hl7.Fhir.Model.Task.TaskStatus.Completed
        or Hl7.Fhir.Model.Task.TaskStatus.Cancelled or Hl7.Fhir.Model.Task.TaskStatus.Failed or Hl7.Fhir.Model.Task.TaskStatus.Rejected
        or Hl7.Fhir.Model.Task.TaskStatus.EnteredInError);

    private static string Instant(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", System.Globalization.CultureInfo.InvariantCulture);
}
