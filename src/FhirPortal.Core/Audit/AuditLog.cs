using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Audit;

/// <summary>
/// Stores queued accesses as AuditEvents, the accesses of one patient by one agent aggregated (<see cref="AuditGrouping"/>): a batch is one unit of work (one store transaction), written as the server
/// itself, so a batch is either stored whole or not at all and a lost race is simply planned again. Each AuditEvent's
/// JSON and index rows are built straight from its fields (<see cref="AuditEventJson"/>, <see cref="AuditEventIndex"/>):
/// no POCO, no FhirPath, and no profile validation of a record the server itself composed.
/// </summary>
public sealed class AuditLog(AccessEventBuilder builder, SearchIndexer indexer, WriteRunner runner, CallerContext callers, AuditOptions options)
{
    public async System.Threading.Tasks.Task WriteAsync(IReadOnlyList<AccessEvent> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var records = AuditGrouping.Group(batch.SelectMany(builder.Build), options.EntitiesPerEvent).Select(r => (Id: CreateInteraction.NewId(), Record: r)).ToList();
        using var _ = callers.Use(Caller.Server);
        await runner.RunAsync(unit =>
        {
            foreach (var (id, record) in records) unit.StageBuilt(Version(record, id, unit.Now));
            return System.Threading.Tasks.Task.FromResult(records.Count);
        }, ct);
    }

    /// <summary>The stored first (and only) version of a record's AuditEvent with its index rows.</summary>
    internal ResourceWrite Version(AuditRecord record, string id, DateTimeOffset now)
    {
        var content = new List<string>(48);
        var json = AuditEventJson.Write(record, id, now, content);
        // Note: a custom SearchParameter on AuditEvent makes the direct rows incomplete: index the parsed JSON instead.
        var index = AuditEventIndex.Build(indexer, record, id, now, content) ?? indexer.Index(FhirParser.ParseStored(json));
        return new ResourceWrite(new StoredResource(new ResourceKey("AuditEvent", id), 1, now, WriteMethod.Create, json), index);
    }
}
