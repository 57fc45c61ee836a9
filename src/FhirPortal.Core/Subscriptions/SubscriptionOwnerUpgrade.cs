using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Start-up step: stamps <c>owned-by</c>/<c>owner-client</c> (<see cref="SubscriptionOwnerSearch"/>) on Subscriptions
/// stored before those existed, from the creator recorded with them (<see cref="SubscriptionView.Owner"/>; none recorded:
/// the server's). Until then a patient's app would reach a staff subscription filtered to its patient through the
/// fallback meant for unstamped new content. Idempotent: only unstamped ones are found, so instances may run it together.
/// </summary>
public sealed class SubscriptionOwnerUpgrade(IResourceStore store, WriteRunner runner, CallerContext callers)
{
    private const int Batch = 100;

    /// <summary>Stamps every unstamped stored Subscription; returns how many.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var query = new SearchQuery("Subscription", [new MissingCondition(SubscriptionOwnerSearch.OwnedBy, SearchParamType.String, true)], Batch);
        var stamped = 0;
        while (true)
        {
            var found = (await store.SearchAsync(query, ct)).Entries.Where(e => !e.IsDeleted).ToList();
            if (found.Count == 0) return stamped;
            var done = await runner.RunAsync(async unit =>
            {
                var n = 0;
                foreach (var seen in found)
                    if (await unit.CurrentAsync(seen.Key, ct) is { IsDeleted: false } current && FhirParser.ParseStored(current.Json.Span) is Subscription s
                        && s.GetExtension(SubscriptionOwnerSearch.OwnedByExtension) is null)
                    {
                        var creator = SubscriptionView.Owner(s);
                        SubscriptionOwnerSearch.Stamp(s, SubscriptionOwnerSearch.Of(creator, SubscriptionOwnerSearch.OwnPatient(creator, creator.Unrestricted)));
                        await unit.StageForRule(s, seen.Key.Id, ct);
                        n++;
                    }
                return n;
            }, ct);
            // Found but already stamped (another instance was quicker): the search no longer finds them next time.
            if (done == 0) return stamped;
            stamped += done;
        }
    }
}
