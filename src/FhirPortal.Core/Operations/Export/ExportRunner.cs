using FhirPortal.Core.Access;
using FhirPortal.Core.Jobs;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Operations.Export;

/// <summary>
/// Runs one export job from its saved state: type after type, page after page from the store (keyset cursor),
/// each resource's stored JSON copied to the NDJSON files; after every page the files are flushed and the state
/// saved (which renews the job's lease), so a restart or another instance taking over continues from the last page
/// and never duplicates or loses a line; a page is written only while the lease holds.
/// </summary>
internal sealed class ExportRunner(IResourceStore store, ExportKickoff kickoff, ExportOptions options, TimeProvider clock, AccessPolicy policy)
{
    public async Task<ExportJobState> RunAsync(LeasedJob<ExportJobState> job, string directory, CancellationToken ct)
    {
        var state = job.State;
        job.EnsureHeld();
        await using var output = new NdjsonOutput(directory, options.MaxFileBytes, state.Files);
        output.Resume();
        var access = DataAccess.For(policy.For(state.Access));
        while (state.TypeIndex < state.Types.Count)
        {
            var type = state.Types[state.TypeIndex];
            var query = PatientDataQuery.Build(Population(state), type, state.RequestedTypes, Filters(state, type),
                access, options.PageSize, state.Cursor);
            var page = await store.SearchAsync(query, ct);
            job.EnsureHeld();
            foreach (var resource in page.Entries) await output.WriteAsync(type, resource.Json, ct);
            state = page.NextCursor is null
                ? state with { TypeIndex = state.TypeIndex + 1, Cursor = null, Exported = state.Exported + page.Entries.Count }
                : state with { Cursor = page.NextCursor, Exported = state.Exported + page.Entries.Count };
            ct.ThrowIfCancellationRequested();
            // Most types have no resources: their empty pages are not worth a disk flush and a saved checkpoint
            // (after a restart they are simply queried again).
            if (page.Entries.Count == 0) continue;
            await output.FlushAsync(ct);
            await job.SaveAsync(state);
        }
        return state with { Status = ExportJobState.Completed, Finished = clock.GetUtcNow() };
    }

    private static DataPopulation Population(ExportJobState state) =>
        state.PatientRecords ? DataPopulation.PatientRecords(state.Patients) : DataPopulation.Everything;

    /// <summary>_since, the transaction time (nothing changed after the kick-off), and the type's _typeFilter.</summary>
    private List<SearchCondition> Filters(ExportJobState state, string type)
    {
        var filters = new List<SearchCondition> { new LastUpdatedCondition(state.Since, state.TransactionTime) };
        if (kickoff.FilterFor(type, state.TypeFilters) is { } filter) filters.Add(filter);
        return filters;
    }
}
