using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Notifications;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Records topic events in the write that causes them: for each matching subscription, one small Basic (code
/// <c>subscription-event-pending</c>, subject the Subscription, focus and time) staged in the same unit of work, so the
/// event is durable exactly when the change commits. The write touches nothing else: the delivery worker numbers
/// pending events (<see cref="SubscriptionEventLog"/>), so racing writes never collide on a subscription.
/// </summary>
/// <remarks>
/// Basic rather than a store table: it needs no schema change in SQLite or Cosmos, commits atomically with the change
/// through the existing write path, and <c>$events</c> and the worker find it with an ordinary search.
/// </remarks>
public sealed class SubscriptionEvents(ConditionalCriteria criteria)
{
    private const int PageSize = 200;

    // Per unit of work, whether each topic has a live subscription at all (read once, like the subscriber search reads
    // the store and not the unit): with none, the usual case, a write of the topic's types needs neither a parse of its
    // JSON nor a subscriber search, which cost every resource of an ingest both.
    private readonly ConditionalWeakTable<UnitOfWork, ConcurrentDictionary<string, bool>> _live = new();

    /// <summary>Stages events for every subscription of a topic the write triggers.</summary>
    public async Task RecordAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.IsDeleted) return;
        var type = write.Version.Key.Type;
        // The server's own email/SMS notices are records of notifications, not messages to announce again. The server
        // stages one with every booking and released result: telling it apart (from the unit's copy of what it staged)
        // is cheaper than the topic's live-subscription search it would otherwise run first.
        var after = write.ByServer && type == "Communication" ? unit.ResourceOf(write.Version) : null; // read only
        if (after is Communication notice && NoticeOutbox.IsNotice(notice)) return;
        var topics = new List<SubscriptionTopic>();
        foreach (var topic in SubscriptionTopics.All)
            if (topic.ResourceTypes.Contains(type) && await AnyLiveAsync(unit, topic, ct)) topics.Add(topic);
        if (topics.Count == 0) return;
        after ??= unit.ResourceOf(write.Version)!; // read only
        if (after is Communication c && NoticeOutbox.IsNotice(c)) return;
        var before = write.Previous is { IsDeleted: false } p ? FhirParser.ParseStored(p.Json.Span) : null;
        var patients = SubscriptionTopics.Patients(after).ToHashSet();
        var focus = new ResourceReference($"{type}/{write.Version.Key.Id}");
        foreach (var topic in topics.Where(t => t.Triggers(before, after)))
            foreach (var subscription in await SubscribersAsync(unit, topic, type, patients, ct))
                if (Matches(subscription.Resource, type, patients))
                    await StagePendingAsync(unit, subscription.Id, focus, ct);
    }

    private async Task<bool> AnyLiveAsync(UnitOfWork unit, SubscriptionTopic topic, CancellationToken ct)
    {
        var known = _live.GetValue(unit, _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));
        if (known.TryGetValue(topic.Url, out var live)) return live;
        var page = await unit.Store.SearchAsync(LiveQuery(topic) with { Count = 1 }, ct);
        return known[topic.Url] = page.Entries.Count > 0;
    }

    private SearchQuery LiveQuery(SubscriptionTopic topic) =>
        criteria.Parse("Subscription", $"criteria:exact={Uri.EscapeDataString(topic.Url)}&status=requested,active");

    /// <summary>
    /// The topic's live subscriptions that may want this write: through the indexed filter, only those with a filter
    /// naming one of the focus's patients, or with no filter; <see cref="Matches"/> then decides exactly.
    /// </summary>
    private async Task<List<(string Id, Subscription Resource)>> SubscribersAsync(UnitOfWork unit, SubscriptionTopic topic,
        string type, HashSet<string> patients, CancellationToken ct)
    {
        var parsed = LiveQuery(topic);
        var forms = patients.SelectMany(p => new[] { $"patient={p}", $"{type}?patient={p}" }).ToList();
        SearchCondition candidates = new AnyOfCondition([
            .. forms.Count > 0 ? [[new StringCondition(SubscriptionFilterSearch.Code, forms, StringModifier.Exact)]] : Array.Empty<IReadOnlyList<SearchCondition>>(),
            [new MissingCondition(SubscriptionFilterSearch.Code, SearchParamType.String, true)],
        ]);
        var query = parsed with { Conditions = [.. parsed.Conditions, candidates] };
        var found = new List<(string, Subscription)>();
        string? cursor = null;
        do
        {
            // Read, not staged over: a subscription changing meanwhile must not make this write re-plan.
            var page = await unit.Store.SearchAsync(query with { Count = PageSize, Cursor = cursor }, ct);
            foreach (var entry in page.Entries)
                if (FhirParser.ParseStored(entry.Json.Span) is Subscription s
                    && s.Status is Subscription.SubscriptionStatus.Requested or Subscription.SubscriptionStatus.Active)
                    found.Add((entry.Key.Id, s));
            cursor = page.NextCursor;
        } while (cursor is not null);
        return found;
    }

    /// <summary>
    /// Filters are ANDed (backport); a <c>Type?</c>-prefixed one applies to that type only, and a subscription whose
    /// filters all name other types hears nothing about this one.
    /// </summary>
    private static bool Matches(Subscription subscription, string type, HashSet<string> patients)
    {
        var filters = SubscriptionView.Filters(subscription);
        var applicable = filters.Where(f => f.IndexOf('?') is var q && (q < 0 || f[..q] == type)).ToList();
        return (filters.Count == 0 || applicable.Count > 0)
               && applicable.All(f => SubscriptionView.FilterPatient(f) is { } patient && patients.Contains(patient));
    }

    private static Task StagePendingAsync(UnitOfWork unit, string subscriptionId, ResourceReference focus, CancellationToken ct) =>
        unit.StageForRule(new Basic
        {
            Code = new CodeableConcept(Backport.EventCodeSystem, Backport.PendingEventCode),
            Subject = new ResourceReference($"Subscription/{subscriptionId}"),
            Extension = [new Extension(Backport.EventFocus, focus), new Extension(Backport.EventTime, new Instant(unit.Now))],
        }, CreateInteraction.NewId(), ct);
}
