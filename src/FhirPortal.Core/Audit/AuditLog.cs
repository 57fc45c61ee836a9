using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Audit;

/// <summary>
/// Stores queued accesses as AuditEvents: a batch is one unit of work (one store transaction), written as the server
/// itself, so a batch is either stored whole or not at all and a lost race is simply planned again.
/// </summary>
public sealed class AuditLog(AccessEventBuilder builder, WriteRunner runner, CallerContext callers)
{
    public async System.Threading.Tasks.Task WriteAsync(IReadOnlyList<AccessEvent> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var events = batch.SelectMany(builder.Build).Select(a => (Id: CreateInteraction.NewId(), Audit: (Resource)a)).ToList();
        using var _ = callers.Use(Caller.Server);
        await runner.RunAsync(unit =>
        {
            foreach (var (id, audit) in events) unit.StageVersion(audit, id, current: null);
            return System.Threading.Tasks.Task.FromResult(events.Count);
        }, ct);
    }
}
