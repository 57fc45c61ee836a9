namespace FhirPortal.Core.Audit;

/// <summary>
/// Aggregates the accesses of one flush into fewer AuditEvents: storing an event (its index rows, <c>_content</c> and
/// JSON) is what the audit costs, so the accesses that share everything but what they touched (interaction, outcome and
/// error, user, app, network address, and exactly one patient) become one event listing each distinct query and version
/// they named once, with how many accesses named it, at most <see cref="AuditOptions.EntitiesPerEvent"/> distinct
/// entities an event. Accesses of several patients or of none keep their own events: a patient reads the events in their
/// compartment, and an event must never show them another's entities.
/// </summary>
public static class AuditGrouping
{
    public static IReadOnlyList<AuditRecord> Group(IEnumerable<AuditRecord> records, int entitiesPerEvent)
    {
        // 2, the patient and one record, is aggregation off: every access its own event, repeats of one record too.
        if (entitiesPerEvent <= 2) return [.. records];
        var events = new List<Event>();
        var open = new Dictionary<Key, Event>();
        foreach (var record in records)
        {
            if (KeyOf(record) is not { } key)
            {
                events.Add(new Event(record));
                continue;
            }
            // An access is never split: it joins the open event if its new entities fit, else starts the next one.
            if (open.TryGetValue(key, out var current) && current.TryAdd(record, entitiesPerEvent)) continue;
            events.Add(open[key] = new Event(record));
        }
        return [.. events.Select(e => e.Records.Count == 1 ? e.Records[0] : e.Records[0] with { Also = e.Records.GetRange(1, e.Records.Count - 1) })];
    }

    /// <summary>One event being filled: its accesses and the distinct entities they named (as <see cref="AuditRecord.Entities"/> lists them).</summary>
    private sealed class Event
    {
        private readonly HashSet<(AuditEntityKind, string)> _named;

        public Event(AuditRecord first)
        {
            Records = [first];
            _named = [.. Named(first)];
        }

        public List<AuditRecord> Records { get; }

        public bool TryAdd(AuditRecord record, int entitiesPerEvent)
        {
            var named = Named(record);
            // The patient is one more entity.
            if (1 + _named.Count + named.Count(e => !_named.Contains(e)) > entitiesPerEvent) return false;
            _named.UnionWith(named);
            Records.Add(record);
            return true;
        }

        private static List<(AuditEntityKind, string)> Named(AuditRecord record) => [.. record.Named().Select(e => (e.Kind, e.Text))];
    }

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
