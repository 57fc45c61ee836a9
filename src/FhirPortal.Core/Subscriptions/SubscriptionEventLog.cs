using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>One numbered event of a subscription: its number, focus and the time of the write that caused it.</summary>
public sealed record RecordedEvent(long Number, ResourceReference Focus, DateTimeOffset At);

/// <summary>
/// The subscriptions' event records, read in pages: the pending events writes staged (<see cref="SubscriptionEvents"/>)
/// and the numbered ones <c>$events</c> and the delivery worker read. Numbering is the worker's: it stages the next
/// numbers on the pending records together with the subscription's new event count, over the versions it read, so
/// of racing workers one commits and the numbers stay gap-free.
/// </summary>
public sealed class SubscriptionEventLog(IResourceStore store, ConditionalCriteria criteria, WriteRunner runner, CallerContext callers)
{
    private const int ScanPage = 200;

    /// <summary>
    /// Up to <paramref name="max"/> pending events, oldest write first (the store's commit order breaks ties), grouped
    /// by subscription id in that order.
    /// </summary>
    public async Task<Dictionary<string, List<StoredResource>>> PendingAsync(int max, CancellationToken ct)
    {
        var query = criteria.Parse("Basic", $"code={Backport.EventCodeSystem}|{Backport.PendingEventCode}")
            with { Sort = [new SortKey("_lastUpdated", false)] };
        var found = new Dictionary<string, List<StoredResource>>(StringComparer.Ordinal);
        var seen = 0;
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(query with { Count = Math.Min(ScanPage, max - seen), Cursor = cursor }, ct);
            foreach (var entry in page.Entries)
                if (FhirParser.ParseStored(entry.Json.Span) is Basic { Subject.Reference: { } subject } && subject.StartsWith("Subscription/", StringComparison.Ordinal))
                {
                    var id = subject["Subscription/".Length..];
                    if (!found.TryGetValue(id, out var list)) found[id] = list = [];
                    list.Add(entry);
                }
            seen += page.Entries.Count;
            cursor = page.NextCursor;
        } while (cursor is not null && seen < max);
        return found;
    }

    /// <summary>
    /// Numbers <paramref name="pending"/> (still pending as the unit reads them) after the subscription's event count,
    /// in the given order, and raises the count; the caller stages the subscription. Returns how many were numbered.
    /// </summary>
    public static async Task<int> StageNumbersAsync(UnitOfWork unit, Subscription subscription, string id, IReadOnlyList<StoredResource> pending, CancellationToken ct)
    {
        var count = SubscriptionView.Count(subscription, Backport.EventCount);
        var numbered = 0;
        foreach (var seen in pending)
        {
            if (await unit.CurrentAsync(seen.Key, ct) is not { IsDeleted: false } current
                || FhirParser.ParseStored(current.Json.Span) is not Basic basic || !Is(basic, Backport.PendingEventCode)) continue;
            var number = count + ++numbered;
            basic.Code = new CodeableConcept(Backport.EventCodeSystem, Backport.EventCode);
            basic.Identifier = [new Identifier(Backport.EventCodeSystem, $"{id}/{number}")];
            basic.SetExtension(Backport.EventNumber, new Integer(checked((int)number)));
            await unit.StageForRule(basic, seen.Key.Id, ct);
        }
        if (numbered > 0) SubscriptionView.SetCount(subscription, Backport.EventCount, count + numbered);
        return numbered;
    }

    /// <summary>Marks the pending events of a deleted subscription dropped, so they leave the pending scan.</summary>
    public static async Task StageDroppedAsync(UnitOfWork unit, IReadOnlyList<StoredResource> pending, CancellationToken ct)
    {
        foreach (var seen in pending)
            if (await unit.CurrentAsync(seen.Key, ct) is { IsDeleted: false } current
                && FhirParser.ParseStored(current.Json.Span) is Basic basic && Is(basic, Backport.PendingEventCode))
            {
                basic.Code = new CodeableConcept(Backport.EventCodeSystem, Backport.DroppedEventCode);
                await unit.StageForRule(basic, seen.Key.Id, ct);
            }
    }

    /// <summary>
    /// One page of a subscription's numbered events after <paramref name="after"/> up to <paramref name="until"/>, in number
    /// order. Numbers are gap-free, so a page that does not run on from <paramref name="after"/> means records of the
    /// earlier shape (number as a string, not indexed): those are upgraded (<see cref="UpgradeLegacyAsync"/>) and the page read again.
    /// </summary>
    public async Task<List<RecordedEvent>> PageAsync(string subscriptionId, long after, long until, int max, CancellationToken ct)
    {
        if (until <= after || max <= 0) return [];
        var events = await ReadPageAsync(subscriptionId, after, until, max, ct);
        var complete = events.Count == Math.Min(max, until - after) && (events.Count == 0 || events[0].Number == after + 1);
        return complete || await UpgradeLegacyAsync(subscriptionId, ct) == 0 ? events : await ReadPageAsync(subscriptionId, after, until, max, ct);
    }

    /// <summary>
    /// Rewrites a subscription's event records stored before numbers were indexed (the number as a valueString) with an
    /// integer number, so the number search finds them; returns how many. Old records keep their number and focus.
    /// </summary>
    public async Task<int> UpgradeLegacyAsync(string subscriptionId, CancellationToken ct)
    {
        var parsed = criteria.Parse("Basic", $"subject=Subscription/{subscriptionId}&code={Backport.EventCodeSystem}|{Backport.EventCode}");
        var query = parsed with { Conditions = [.. parsed.Conditions, new MissingCondition(SubscriptionEventSearch.Code, SearchParamType.Number, true)], Count = ScanPage };
        var upgraded = 0;
        using var _ = callers.Use(Caller.Server);
        while (true)
        {
            var page = await store.SearchAsync(query, ct);
            var found = page.Entries.Where(e => !e.IsDeleted).ToList();
            if (found.Count == 0) return upgraded;
            var done = await runner.RunAsync(async unit =>
            {
                var n = 0;
                foreach (var seen in found)
                    if (await unit.CurrentAsync(seen.Key, ct) is { IsDeleted: false } current && FhirParser.ParseStored(current.Json.Span) is Basic basic
                        && basic.GetExtensionValue<FhirString>(Backport.EventNumber)?.Value is { } text
                        && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
                    {
                        basic.SetExtension(Backport.EventNumber, new Integer(checked((int)number)));
                        await unit.StageForRule(basic, seen.Key.Id, ct);
                        n++;
                    }
                return n;
            }, ct);
            // Records the search still finds but that cannot be upgraded (no readable number): stop rather than loop.
            if (done == 0) return upgraded;
            upgraded += done;
        }
    }

    private async Task<List<RecordedEvent>> ReadPageAsync(string subscriptionId, long after, long until, int max, CancellationToken ct)
    {
        var parsed = criteria.Parse("Basic", $"subject=Subscription/{subscriptionId}&code={Backport.EventCodeSystem}|{Backport.EventCode}");
        var query = parsed with
        {
            Conditions = [.. parsed.Conditions, new NumberCondition(SubscriptionEventSearch.Code, [Bound(Prefix.Gt, after)]), new NumberCondition(SubscriptionEventSearch.Code, [Bound(Prefix.Le, until)])],
            Sort = [new SortKey(SubscriptionEventSearch.Code, false)],
            Count = max,
        };
        var page = await store.SearchAsync(query, ct);
        var events = new List<RecordedEvent>();
        foreach (var entry in page.Entries)
            if (FhirParser.ParseStored(entry.Json.Span) is Basic basic && basic.GetExtensionValue<Integer>(Backport.EventNumber)?.Value is { } n
                && basic.GetExtensionValue<ResourceReference>(Backport.EventFocus) is { } focus)
                events.Add(new RecordedEvent(n, focus, basic.GetExtensionValue<Instant>(Backport.EventTime)?.Value ?? entry.LastUpdated));
        return events;
    }

    private static NumberMatch Bound(Prefix prefix, long value) => new(prefix, value, value, value);

    private static bool Is(Basic basic, string code) => basic.Code?.Coding.Any(c => c.System == Backport.EventCodeSystem && c.Code == code) == true;
}
