using FhirPortal.Core.Access;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Operations.Export;

/// <summary>
/// Runs one export job from its saved state: type after type, page after page from the store (keyset cursor),
/// each resource's stored JSON copied to the NDJSON files; after every page the files are flushed and the state
/// saved, so a restart continues from the last page and never duplicates or loses a line.
/// </summary>
internal sealed class ExportRunner(IResourceStore store, ExportKickoff kickoff, ExportOptions options, TimeProvider clock, AccessPolicy policy)
{
    public async Task<ExportJobState> RunAsync(string id, ExportJobState state, string directory, CancellationToken ct)
    {
        await using var output = new NdjsonOutput(directory, options.MaxFileBytes, state.Files);
        output.Resume();
        var access = DataAccess.For(policy.For(state.Access));
        while (state.TypeIndex < state.Types.Count)
        {
            var type = state.Types[state.TypeIndex];
            var query = PatientDataQuery.Build(Population(state), type, state.RequestedTypes, Filters(state, type),
                access, options.PageSize, state.Cursor);
            var page = await store.SearchAsync(query, ct);
            foreach (var resource in page.Entries) await output.WriteAsync(type, resource.Json, ct);
            state = page.NextCursor is null
                ? state with { TypeIndex = state.TypeIndex + 1, Cursor = null, Exported = state.Exported + page.Entries.Count }
                : state with { Cursor = page.NextCursor, Exported = state.Exported + page.Entries.Count };
            ct.ThrowIfCancellationRequested();
            // Most types have no resources: their empty pages are not worth a disk flush and a saved checkpoint
            // (after a restart they are simply queried again).
            if (page.Entries.Count == 0) continue;
            await output.FlushAsync(ct);
            await ExportJobs.SaveAsync(store, id, state, ct);
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
