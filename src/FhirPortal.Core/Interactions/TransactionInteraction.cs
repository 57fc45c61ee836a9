using FhirPortal.Core.Access;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// transaction (https://hl7.org/fhir/R4/http.html#transaction): all writes commit together or not at all.
/// Entries run in the spec's order (DELETE, POST, PUT/PATCH, then GET); fullUrls (<c>urn:uuid:</c>) resolve to the
/// ids the server assigns, and conditional references to the one resource they match.
/// </summary>
public sealed class TransactionInteraction(WriteRunner runner, EntryExecutor executor, ConditionalCriteria criteria, CallerContext callers, VersionFactory versions)
{
    public async Task<BundleResult> ExecuteAsync(string baseUrl, Bundle bundle, ReturnPreference preference, CancellationToken ct)
    {
        var count = bundle.Entry.Count;
        var results = new BundleEntryResult[count];
        var targets = BundleChecks.Targets(bundle, baseUrl);
        RequireReadScopes(bundle, targets);

        var committed = await runner.RunAsync(async unit =>
        {
            // No copy of the Bundle: ids are kept aside (assignedIds) and rewritten references are put back once the
            // attempt is planned (its versions are serialized by then), so a retry starts from the Bundle as given.
            var entries = bundle.Entry;
            using var undo = new ReferenceRewriter.Undo(unit);
            var (byFullUrl, assignedIds) = await ResolveIdentitiesAsync(unit, entries, targets, ct);
            var conditionalRefs = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                if (entries[i].Resource is not { } resource || targets[i].Method == Bundle.HTTPVerb.PATCH) continue;
                var index = i;
                await InEntry(index, () => ReferenceRewriter.RewriteAsync(resource, byFullUrl,
                    r => ResolveConditionalAsync(unit, r, conditionalRefs, ct), undo, ct));
            }
            // Validation, indexing and serialisation of the entries run in parallel here; the plan below takes them in order.
            unit.Prepared = new PreparedVersions(versions);
            await unit.Prepared.PrepareAsync(Candidates(entries, targets, assignedIds), unit.Store, unit.Now, ct);
            foreach (var i in BundleChecks.ProcessingOrder(targets))
            {
                if (targets[i].Method is Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD) continue;
                var index = i;
                var result = await InEntry(index, () => executor.WriteAsync(unit, entries[index], targets[index], assignedIds[index], ct));
                results[i] = EntryExecutor.ToEntry(result, preference);
            }
            return unit;
        }, ct);
        // A write rule may have replaced an entry's staged version (same version id): answer with what was stored.
        for (var i = 0; i < count; i++)
            if (results[i]?.Resource is { } staged) results[i] = results[i] with { Resource = committed.Latest(staged) };

        // Reads run after the commit so they see the transaction's own writes.
        for (var i = 0; i < count; i++)
        {
            if (targets[i].Method is not (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD)) continue;
            try { results[i] = await executor.ReadAsync(baseUrl, bundle.Entry[i], targets[i], ct); }
            catch (FhirOutcomeException e) { results[i] = EntryExecutor.ErrorEntry(e); }
            catch (ReadInteraction.DeletedException e) { results[i] = EntryExecutor.ErrorEntry(e.ToOutcome()); }
        }
        return new BundleResult(Bundle.BundleType.TransactionResponse, results, []);
    }

    /// <summary>The versions the plan is expected to stage: creates at their assigned ids, updates at theirs (PATCH is built from the stored version, so not ahead).</summary>
    private static IEnumerable<PreparedVersions.Candidate> Candidates(List<Bundle.EntryComponent> entries, EntryTarget[] targets, string?[] assignedIds)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Resource is not { } resource) continue;
            var target = targets[i];
            var id = target.Method switch
            {
                Bundle.HTTPVerb.POST => assignedIds[i],
                Bundle.HTTPVerb.PUT when target.HasCriteria => assignedIds[i],
                Bundle.HTTPVerb.PUT when resource.Id == target.Id => target.Id,
                _ => null,
            };
            if (id is not null) yield return new PreparedVersions.Candidate(resource, id, ReadCurrent: target.Method == Bundle.HTTPVerb.PUT);
        }
    }

    /// <summary>
    /// GET entries run after the commit; one the token cannot make at all (no scope for its type) fails the whole
    /// transaction before anything is written. Reads of single resources outside the grant still answer 403 per entry.
    /// </summary>
    private void RequireReadScopes(Bundle bundle, EntryTarget[] targets)
    {
        var access = callers.Current;
        for (var i = 0; i < targets.Length; i++)
        {
            if (targets[i].Method is not (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD) || targets[i].Type is not { } type) continue;
            try { access.Require(type, targets[i].Id is null ? Permissions.Search : Permissions.Read); }
            catch (FhirOutcomeException e) { throw BundleChecks.AtEntry(e, i); }
        }
    }

    /// <summary>Decides the id every created or updated entry will have, so references to its fullUrl can be rewritten first.</summary>
    private async Task<(Dictionary<string, string> ByFullUrl, string?[] AssignedIds)> ResolveIdentitiesAsync(
        UnitOfWork unit, List<Bundle.EntryComponent> entries, EntryTarget[] targets, CancellationToken ct)
    {
        var byFullUrl = new Dictionary<string, string>(StringComparer.Ordinal);
        var assigned = new string?[entries.Count];
        var identities = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var target = targets[i];
            string? id = null;
            if (target.Method == Bundle.HTTPVerb.POST && entry.Resource is { } created)
            {
                id = CreateInteraction.NewId();
                if (entry.Request?.IfNoneExist is { Length: > 0 } ifNoneExist)
                {
                    var index = i;
                    var matches = await InEntry(index, () => criteria.MatchAsync(unit, criteria.ParseFor(unit, created.TypeName, ifNoneExist, Access.Permissions.Create), ct));
                    if (matches.Count == 1) id = matches[0].Key.Id;
                }
                assigned[i] = id;
            }
            else if (target.Method == Bundle.HTTPVerb.PUT && entry.Resource is { } updated)
            {
                if (target.HasCriteria)
                {
                    var index = i;
                    var matches = await InEntry(index, () => criteria.MatchAsync(unit, criteria.ParseFor(unit, updated.TypeName, target.Query, Access.Permissions.Update), ct));
                    id = matches.Count == 1 ? matches[0].Key.Id : updated.Id ?? CreateInteraction.NewId();
                    assigned[i] = id;
                }
                else id = target.Id;
            }
            var identity = id is not null && entry.Resource is { } written ? $"{written.TypeName}/{id}"
                : target.Method is Bundle.HTTPVerb.DELETE or Bundle.HTTPVerb.PATCH && !target.HasCriteria ? $"{target.Type}/{target.Id}"
                : null;
            // The spec fails a transaction whose writes overlap: their order would otherwise decide the outcome.
            if (identity is not null && !identities.TryAdd(identity, i))
                throw FhirOutcomeException.BadRequest(
                    $"Entries {identities[identity]} and {i} both write {identity}; a transaction may change each resource once.",
                    $"Bundle.entry[{i}].request");
            if (id is not null && entry.FullUrl is { } fullUrl && entry.Resource is { } r)
            {
                if (!byFullUrl.TryAdd(fullUrl, $"{r.TypeName}/{id}"))
                    throw FhirOutcomeException.BadRequest($"fullUrl '{fullUrl}' appears on more than one entry.", $"Bundle.entry[{i}].fullUrl");
            }
        }
        return (byFullUrl, assigned);
    }

    private async Task<string> ResolveConditionalAsync(UnitOfWork unit, string reference, Dictionary<string, string> cache, CancellationToken ct)
    {
        if (cache.TryGetValue(reference, out var known)) return known;
        var q = reference.IndexOf('?');
        var type = reference[..q];
        var matches = await criteria.MatchAsync(unit, criteria.ParseFor(unit, type, reference[(q + 1)..], Access.Permissions.Search), ct);
        var resolved = matches.Count switch
        {
            1 => matches[0].Key.ToString(),
            0 => throw FhirOutcomeException.NotFound($"The conditional reference '{reference}' matches no resource."),
            _ => throw FhirOutcomeException.PreconditionFailed($"The conditional reference '{reference}' matches more than one resource."),
        };
        cache[reference] = resolved;
        return resolved;
    }

    /// <summary>Runs one entry's step; an error fails the whole transaction, pointing at the entry.</summary>
    private static async Task<T> InEntry<T>(int index, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (FhirOutcomeException e)
        {
            throw BundleChecks.AtEntry(e, index);
        }
        catch (ReadInteraction.DeletedException e)
        {
            throw BundleChecks.AtEntry(e.ToOutcome(), index);
        }
    }

    private static async Task InEntry(int index, Func<Task> step) =>
        await InEntry(index, async () => { await step(); return 0; });
}
