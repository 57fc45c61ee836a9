using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations.Import;

/// <summary>What one batch of lines came to: how many resources were written, and the rejected lines with their outcome.</summary>
internal sealed record ImportBatchResult(int Imported, IReadOnlyList<(long Line, FhirOutcomeException Error)> Rejected);

/// <summary>
/// Writes a batch of NDJSON lines as updates with the files' ids (create-or-update, like PUT), on the normal write path:
/// lines are parsed and validated in parallel, versions prepared in parallel (<see cref="PreparedVersions"/>), then
/// staged through <see cref="UpdateInteraction"/> (access checks) and committed in one unit (write rules, index). When
/// the unit fails (a write rule or access check refuses one resource), each resource is committed on its own so only
/// the refused lines are rejected.
/// </summary>
public sealed class ImportWriter(WriteRunner runner, UpdateInteraction updates, VersionFactory versions, FhirParser parser)
{
    private sealed record Parsed(long Line, Resource? Resource, FhirOutcomeException? Error);

    internal async Task<ImportBatchResult> WriteAsync(IReadOnlyList<NdjsonLine> lines, string type, bool validate, CancellationToken ct)
    {
        var parsed = new Parsed[lines.Count];
        Parallel.For(0, lines.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct },
            i => parsed[i] = Parse(lines[i], type, validate));
        var rejected = parsed.Where(p => p.Error is not null).Select(p => (p.Line, p.Error!)).ToList();

        // One unit writes a resource once: a later line with the same id is written after the batch, in its own unit.
        var keys = new HashSet<ResourceKey>();
        var first = new List<Parsed>();
        var repeats = new List<Parsed>();
        foreach (var p in parsed.Where(p => p.Resource is not null))
            (keys.Add(Key(p.Resource!)) ? first : repeats).Add(p);

        var prepared = new PreparedVersions(versions);
        var imported = await CommitAsync(first, prepared, rejected, ct);
        foreach (var repeat in repeats) imported += await CommitAsync([repeat], prepared, rejected, ct);
        return new ImportBatchResult(imported, [.. rejected.OrderBy(r => r.Line)]);
    }

    private async Task<int> CommitAsync(List<Parsed> resources, PreparedVersions prepared, List<(long, FhirOutcomeException)> rejected, CancellationToken ct)
    {
        if (resources.Count == 0) return 0;
        try
        {
            await runner.RunAsync(unit => StageAsync(unit, resources, prepared, ct), ct);
            return resources.Count;
        }
        catch (FhirOutcomeException) when (resources.Count > 1)
        {
            var imported = 0;
            foreach (var resource in resources) imported += await CommitAsync([resource], prepared, rejected, ct);
            return imported;
        }
        catch (FhirOutcomeException e)
        {
            rejected.Add((resources[0].Line, e));
            return 0;
        }
    }

    private async Task<int> StageAsync(UnitOfWork unit, List<Parsed> resources, PreparedVersions prepared, CancellationToken ct)
    {
        // Checked in Parse already: only reading the current version, indexing and serialising run here, in parallel.
        // A single resource (the fallback) reuses what the batch prepared, so validation that was off stays off.
        unit.Prepared = prepared;
        await prepared.PrepareAsync(resources.Select(p => new PreparedVersions.Candidate(p.Resource!, p.Resource!.Id!, ReadCurrent: true, Checked: true)),
            unit.Store, unit.Now, ct);
        foreach (var p in resources) await updates.ExecuteAsync(unit, Key(p.Resource!), p.Resource!, null, ct);
        return resources.Count;
    }

    private Parsed Parse(NdjsonLine line, string type, bool validate)
    {
        try
        {
            if (line.Bytes is null) throw FhirOutcomeException.TooLarge("The line is longer than FhirPortal:Import:MaxLineBytes.");
            var resource = parser.ParseJson(line.Bytes);
            if (resource.TypeName != type)
                throw FhirOutcomeException.BadRequest($"The line holds a {resource.TypeName}; this input's type is {type}.", "resourceType");
            if (string.IsNullOrEmpty(resource.Id))
                throw FhirOutcomeException.BadRequest("An imported resource needs its id (ids are kept from the file).", $"{resource.TypeName}.id");
            // Definitions the server itself relies on (SearchParameters, profiles) are always checked.
            if (validate || resource is SearchParameter or StructureDefinition) versions.Check(resource);
            return new Parsed(line.Number, resource, null);
        }
        catch (FhirOutcomeException e)
        {
            return new Parsed(line.Number, null, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new Parsed(line.Number, null, FhirOutcomeException.BadRequest($"The line could not be read as a FHIR resource: {e.Message}"));
        }
    }

    private static ResourceKey Key(Resource resource) => new(resource.TypeName, resource.Id!);
}
