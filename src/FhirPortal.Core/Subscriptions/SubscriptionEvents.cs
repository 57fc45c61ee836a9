using FhirPortal.Core.Interactions;
using FhirPortal.Core.Notifications;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Records topic events in the write that causes them: for each matching subscription, a Basic (code
/// <c>subscription-event</c>, subject the Subscription, its event number and focus) and the Subscription's event count
/// one higher, both staged in the same unit of work. The event is durable exactly when the change commits; racing
/// writes collide on the Subscription's version and re-plan, so event numbers are gap-free and ordered.
/// </summary>
/// <remarks>
/// Basic rather than a store table: it needs no schema change in SQLite or Cosmos, commits atomically with the change
/// through the existing write path, and <c>$events</c> and the worker find it with an ordinary search.
/// </remarks>
public sealed class SubscriptionEvents(ConditionalCriteria criteria)
{
    private const int PageSize = 200;

    /// <summary>Stages events for every subscription of a topic the write triggers.</summary>
    public async Task RecordAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.IsDeleted) return;
        var type = write.Version.Key.Type;
        var topics = SubscriptionTopics.All.Where(t => t.ResourceTypes.Contains(type)).ToList();
        if (topics.Count == 0) return;
        var after = FhirParser.ParseStored(write.Version.Json.Span);
        // The server's own email/SMS notices are records of notifications, not messages to announce again.
        if (after is Communication c && NoticeOutbox.IsNotice(c)) return;
        var before = write.Previous is { IsDeleted: false } p ? FhirParser.ParseStored(p.Json.Span) : null;
        var patients = SubscriptionTopics.Patients(after).ToHashSet();
        var focus = new ResourceReference($"{type}/{write.Version.Key.Id}");
        foreach (var topic in topics.Where(t => t.Triggers(before, after)))
            foreach (var subscription in await SubscribersAsync(unit, topic, type, patients, ct))
                if (Matches(subscription.Resource, type, patients))
                    await StageEventAsync(unit, subscription.Version, subscription.Resource, focus, ct);
    }

    /// <summary>The event records of one subscription after <paramref name="afterNumber"/>, in event order.</summary>
    public static async Task<List<(long Number, ResourceReference Focus, DateTimeOffset At)>> AfterAsync(
        IResourceStore store, ConditionalCriteria criteria, string subscriptionId, long afterNumber, int max, CancellationToken ct)
    {
        var query = criteria.Parse("Basic", $"subject=Subscription/{subscriptionId}&code={Backport.EventCodeSystem}|{Backport.EventCode}");
        var found = new List<(long, ResourceReference, DateTimeOffset)>();
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(query with { Count = PageSize, Cursor = cursor }, ct);
            foreach (var entry in page.Entries.Where(e => !e.IsDeleted))
                if (FhirParser.ParseStored(entry.Json.Span) is Basic basic && Number(basic) is var n && n > afterNumber
                    && basic.GetExtensionValue<ResourceReference>(FocusExtension) is { } focus)
                    found.Add((n, focus, entry.LastUpdated));
            cursor = page.NextCursor;
        } while (cursor is not null);
        return [.. found.OrderBy(e => e.Item1).Take(max)];
    }

    private const string NumberExtension = "http://fhirportal.org/fhir/StructureDefinition/subscription-event-number";
    private const string FocusExtension = "http://fhirportal.org/fhir/StructureDefinition/subscription-event-focus";

    private static long Number(Basic basic) => long.TryParse(basic.GetExtensionValue<FhirString>(NumberExtension)?.Value, out var n) ? n : 0;

    /// <summary>
    /// The topic's live subscriptions that may want this write: through the indexed filter, only those with a filter
    /// naming one of the focus's patients, or with no filter; <see cref="Matches"/> then decides exactly.
    /// </summary>
    private async Task<List<(StoredResource Version, Subscription Resource)>> SubscribersAsync(UnitOfWork unit, SubscriptionTopic topic,
        string type, HashSet<string> patients, CancellationToken ct)
    {
        var parsed = criteria.Parse("Subscription", $"criteria:exact={Uri.EscapeDataString(topic.Url)}&status=requested,active");
        var forms = patients.SelectMany(p => new[] { $"patient={p}", $"{type}?patient={p}" }).ToList();
        SearchCondition candidates = new AnyOfCondition([
            .. forms.Count > 0 ? [[new StringCondition(SubscriptionFilterSearch.Code, forms, StringModifier.Exact)]] : Array.Empty<IReadOnlyList<SearchCondition>>(),
            [new MissingCondition(SubscriptionFilterSearch.Code, SearchParamType.String, true)],
        ]);
        var query = parsed with { Conditions = [.. parsed.Conditions, candidates] };
        var found = new List<(StoredResource, Subscription)>();
        string? cursor = null;
        do
        {
            var page = await unit.Store.SearchAsync(query with { Count = PageSize, Cursor = cursor }, ct);
            foreach (var entry in page.Entries)
            {
                // Through the unit: its staged version when an event earlier in this unit raised the count, else the
                // version it reads now, so the event is staged over that very version and a change since re-plans.
                var current = await unit.CurrentAsync(entry.Key, ct);
                if (current is { IsDeleted: false } && FhirParser.ParseStored(current.Json.Span) is Subscription s
                    && s.Status is Subscription.SubscriptionStatus.Requested or Subscription.SubscriptionStatus.Active)
                    found.Add((current, s));
            }
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

    private static async Task StageEventAsync(UnitOfWork unit, StoredResource version, Subscription subscription, ResourceReference focus, CancellationToken ct)
    {
        var number = SubscriptionView.Count(subscription, Backport.EventCount) + 1;
        SubscriptionView.SetCount(subscription, Backport.EventCount, number);
        var id = version.Key.Id;
        await unit.StageForRule(new Basic
        {
            Identifier = [new Identifier(Backport.EventCodeSystem, $"{id}/{number}")],
            Code = new CodeableConcept(Backport.EventCodeSystem, Backport.EventCode),
            Subject = new ResourceReference($"Subscription/{id}"),
            Extension =
            [
                new Extension(NumberExtension, new FhirString(number.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                new Extension(FocusExtension, focus),
            ],
        }, CreateInteraction.NewId(), ct);
        await unit.StageForRule(subscription, id, ct);
    }
}
