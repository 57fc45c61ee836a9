namespace FhirPortal.Core.Audit;

/// <summary>
/// Aggregates the accesses of one flush into fewer AuditEvents: storing an event (its index rows, <c>_content</c> and
/// JSON) is what the audit costs, so the accesses that share everything but what they touched (interaction, outcome and
/// error, user, app, network address, and exactly one patient) become one event listing each as entities, at most
/// <see cref="AuditOptions.EntitiesPerEvent"/> entities an event. Accesses of several patients or of none keep their
/// own events: a patient reads the events in their compartment, and an event must never show them another's entities.
/// </summary>
public static class AuditGrouping
{
    public static IReadOnlyList<AuditRecord> Group(IEnumerable<AuditRecord> records, int entitiesPerEvent)
    {
        var events = new List<(List<AuditRecord> Records, int Entities)>();
        var open = new Dictionary<Key, int>();
        foreach (var record in records)
        {
            // An access is never split: a group of one writes exactly the event of that access.
            var size = Size(record);
            if (KeyOf(record) is not { } key)
            {
                events.Add(([record], size));
                continue;
            }
            if (open.TryGetValue(key, out var at) && events[at].Entities + size <= entitiesPerEvent)
            {
                events[at].Records.Add(record);
                events[at] = (events[at].Records, events[at].Entities + size);
                continue;
            }
            open[key] = events.Count;
            events.Add(([record], 1 + size));
        }
        return [.. events.Select(e => e.Records.Count == 1 ? e.Records[0] : e.Records[0] with { Also = e.Records.GetRange(1, e.Records.Count - 1) })];
    }

    // The entities an access adds to an aggregated event (as AuditRecord.Entities writes them).
    private static int Size(AuditRecord record) => record.Versions.Count + (record.NamedByVersion ? 0 : 1);

    // Only a whole access of one patient is aggregated (a per-patient copy of a several-patient access keeps its own event).
    private static Key? KeyOf(AuditRecord record)
    {
        if (record.Patients.Count != 1 || !record.WithQueryText) return null;
        var access = record.Access;
        var caller = access.Caller;
        return new Key(access.Interaction, access.OutcomeCode, access.Error, AuditEventJson.HasUser(caller), caller.FhirUser, caller.UserName,
            AuditEventJson.App(caller), caller.NetworkAddress, record.Patients[0]);
    }

    private sealed record Key(string Interaction, string Outcome, string? Error, bool User, string? FhirUser, string? UserName, string App,
        string? Address, string Patient);
}
