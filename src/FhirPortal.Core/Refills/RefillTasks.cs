using System.Globalization;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Messaging;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using FhirTask = Hl7.Fhir.Model.Task;

namespace FhirPortal.Core.Refills;

/// <summary>
/// What makes a Task a refill request (R4 task-code <c>fulfill</c> with a MedicationRequest as focus), its open
/// statuses, and the refill Tasks of one prescription as a unit of work sees them (the store's, with the unit's staged
/// versions in their place).
/// </summary>
public sealed class RefillTasks(ConditionalCriteria criteria)
{
    public const string TaskCodeSystem = InboxTasks.TaskCodeSystem;
    public const string FulfillSystem = "http://hl7.org/fhir/CodeSystem/task-code";

    /// <summary>The statuses in which a refill request is still open: at most one per prescription.</summary>
    public const string OpenCodes = "requested,accepted,in-progress";

    /// <summary>The prescription a refill Task asks to fill (its <c>focus</c>), or null when the Task is not a refill request.</summary>
    public static string? PrescriptionId(FhirTask task) =>
        task.Code?.Coding.Any(c => c.System == FulfillSystem && c.Code == "fulfill") == true
        && MessageReferences.Local(task.Focus?.Reference) is ["MedicationRequest", var id] ? id : null;

    public static bool IsOpen(FhirTask.TaskStatus? status) =>
        status is FhirTask.TaskStatus.Requested or FhirTask.TaskStatus.Accepted or FhirTask.TaskStatus.InProgress;

    /// <summary>The search for the open refill Tasks of a prescription (also the commit-time condition).</summary>
    public SearchQuery OpenQuery(string prescriptionId, string? exceptTaskId = null) =>
        criteria.Parse("Task", $"focus=MedicationRequest/{prescriptionId}&code={FulfillSystem}|fulfill&status={OpenCodes}"
                               + (exceptTaskId is null ? "" : $"&_id:not={exceptTaskId}"));

    /// <summary>The refill Tasks of a prescription (any status), each with its stored version.</summary>
    public async Task<IReadOnlyList<(StoredResource Version, FhirTask Task)>> OfAsync(UnitOfWork unit, string prescriptionId, CancellationToken ct)
    {
        var query = criteria.Parse("Task", $"focus=MedicationRequest/{prescriptionId}&code={FulfillSystem}|fulfill") with { Count = 1000, Cursor = null };
        var stored = (await unit.Store.SearchAsync(query, ct)).Entries.Where(e => !unit.HasStaged(e.Key));
        return stored.Concat(unit.StagedOf("Task").Where(v => !v.IsDeleted))
            .Select(v => (Version: v, Task: (FhirTask)FhirParser.ParseStored(v.Json.Span)))
            .Where(t => PrescriptionId(t.Task) == prescriptionId)
            .ToList();
    }

    /// <summary>The open refill Task of a prescription other than <paramref name="exceptTaskId"/>, if any.</summary>
    public async Task<StoredResource?> OpenAsync(UnitOfWork unit, string prescriptionId, string? exceptTaskId, CancellationToken ct) =>
        (await OfAsync(unit, prescriptionId, ct)).FirstOrDefault(t => t.Version.Key.Id != exceptTaskId && IsOpen(t.Task.Status)).Version;

    public static string Instant(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
}
