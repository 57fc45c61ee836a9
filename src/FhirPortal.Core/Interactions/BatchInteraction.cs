using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// batch (https://hl7.org/fhir/R4/http.html#transaction): every entry succeeds or fails on its own, each in its
/// own atomic step; the response lists each entry's status in request order.
/// </summary>
public sealed class BatchInteraction(WriteRunner runner, EntryExecutor executor, ConditionalCriteria criteria, VersionFactory versions)
{
    private static readonly IReadOnlyDictionary<string, string> NoLocalReferences = new Dictionary<string, string>();

    public async Task<BundleResult> ExecuteAsync(string baseUrl, Bundle bundle, ReturnPreference preference, CancellationToken ct)
    {
        var results = new BundleEntryResult[bundle.Entry.Count];
        // The entries' validation runs in parallel first; each entry then plans and commits on its own, in order.
        var prepared = new PreparedVersions(versions);
        await prepared.CheckAsync(Checkable(bundle), ct);
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            try
            {
                var target = BundleChecks.Target(entry, i, baseUrl);
                if (target.Method is Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD)
                {
                    results[i] = await executor.ReadAsync(baseUrl, entry, target, ct);
                    continue;
                }
                var result = await runner.RunAsync(async unit =>
                {
                    // Resolved references are put back once the entry is planned, so a retry resolves them again.
                    using var undo = new ReferenceRewriter.Undo(unit);
                    unit.Prepared = prepared;
                    if (entry.Resource is { } resource && target.Method != Bundle.HTTPVerb.PATCH)
                        await ReferenceRewriter.RewriteAsync(resource, NoLocalReferences, r => ResolveAsync(unit, r, ct), undo, ct);
                    return await executor.WriteAsync(unit, entry, target, null, ct);
                }, ct);
                results[i] = EntryExecutor.ToEntry(result, preference);
            }
            catch (FhirOutcomeException e)
            {
                results[i] = EntryExecutor.ErrorEntry(BundleChecks.AtEntry(e, i));
            }
            catch (ReadInteraction.DeletedException e)
            {
                results[i] = EntryExecutor.ErrorEntry(e.ToOutcome());
            }
        }
        return new BundleResult(Bundle.BundleType.BatchResponse, results, []);
    }

    /// <summary>Created and updated resources whose content the entry's plan does not change (no references to resolve).</summary>
    private static IEnumerable<Resource> Checkable(Bundle bundle) =>
        bundle.Entry.Where(e => e.Request?.Method is Bundle.HTTPVerb.POST or Bundle.HTTPVerb.PUT)
            .Select(e => e.Resource).OfType<Resource>().Where(r => !ReferenceRewriter.HasReferencesToResolve(r));

    private async Task<string> ResolveAsync(UnitOfWork unit, string reference, CancellationToken ct)
    {
        var q = reference.IndexOf('?');
        var matches = await criteria.MatchAsync(unit, criteria.ParseFor(unit, reference[..q], reference[(q + 1)..], Access.Permissions.Search), ct);
        return matches.Count == 1
            ? matches[0].Key.ToString()
            : throw (matches.Count == 0
                ? FhirOutcomeException.NotFound($"The conditional reference '{reference}' matches no resource.")
                : FhirOutcomeException.PreconditionFailed($"The conditional reference '{reference}' matches more than one resource."));
    }
}
