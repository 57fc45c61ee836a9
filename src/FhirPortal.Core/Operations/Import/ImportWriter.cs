using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations.Import;

/// <summary>What one batch of lines came to: how many resources were written, and the rejected lines with their outcome.</summary>
internal sealed record ImportBatchResult(int Imported, IReadOnlyList<(long Line, FhirOutcomeException Error)> Rejected);

/// <summary>
/// A batch of lines parsed and checked ahead of its commit (while the batch before it commits), with the stamp of the
/// conformance resources and search parameters the checks ran against.
/// </summary>
internal sealed record ParsedBatch(IReadOnlyList<NdjsonLine> Lines, string Type, bool Validate, (long, long) Stamp, IReadOnlyList<ImportWriter.Parsed> Parsed);

/// <summary>
/// Writes a batch of NDJSON lines as updates with the files' ids (create-or-update, like PUT), on the normal write path,
/// in two steps so a job can overlap them: <see cref="Parse"/> parses and validates the lines in parallel (CPU only);
/// <see cref="WriteAsync"/> reads each resource's current version once, prepares the versions in parallel
/// (<see cref="PreparedVersions"/>: index, JSON), stages them through <see cref="UpdateInteraction"/> (access checks) and
/// commits them in one unit (write rules, index). When the unit fails (a write rule or access check refuses one
/// resource), each resource is committed on its own so only the refused lines are rejected.
/// </summary>
public sealed class ImportWriter(WriteRunner runner, UpdateInteraction updates, VersionFactory versions, FhirParser parser)
{
    /// <param name="Source">The line's bytes when the SDK parsed them without any issue: stored with the new meta, not serialised again.</param>
    internal sealed record Parsed(long Line, Resource? Resource, FhirOutcomeException? Error, byte[]? Source = null);

    /// <summary>Parses and checks the lines in parallel; touches no store.</summary>
    internal ParsedBatch Parse(IReadOnlyList<NdjsonLine> lines, string type, bool validate, CancellationToken ct)
    {
        // Read before the checks it covers, so a change while they run makes the result stale.
        var stamp = versions.Stamp;
        var parsed = new Parsed[lines.Count];
        Parallel.For(0, lines.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct },
            i => parsed[i] = Parse(lines[i], type, validate));
        return new ParsedBatch(lines, type, validate, stamp, parsed);
    }

    internal async Task<ImportBatchResult> WriteAsync(ParsedBatch batch, CancellationToken ct)
    {
        // Checked against other conformance resources or search parameters than now (an earlier batch committed some): again.
        if (batch.Stamp != versions.Stamp) batch = Parse(batch.Lines, batch.Type, batch.Validate, ct);
        var rejected = batch.Parsed.Where(p => p.Error is not null).Select(p => (p.Line, p.Error!)).ToList();

        // One unit writes a resource once: a later line with the same id is written after the batch, in its own unit.
        var keys = new HashSet<ResourceKey>();
        var first = new List<Parsed>();
        var repeats = new List<Parsed>();
        foreach (var p in batch.Parsed.Where(p => p.Resource is not null))
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
        // Checked in Parse already: only indexing and serialising run here, in parallel. The current versions are read
        // once, in one store call for the batch, kept by the unit for staging and handed to the preparation, which
        // reads no store. A single resource (the fallback) reuses what the batch prepared, so validation that was off stays off.
        unit.Prepared = prepared;
        var keys = resources.Select(p => Key(p.Resource!)).ToList();
        unit.Read(keys, await unit.Store.ReadManyAsync(keys, ct));
        var candidates = new List<PreparedVersions.Candidate>(resources.Count);
        foreach (var p in resources)
        {
            var current = await unit.CurrentAsync(Key(p.Resource!), ct);
            candidates.Add(new PreparedVersions.Candidate(p.Resource!, p.Resource!.Id!, ReadCurrent: false, Checked: true, Current: current, Source: p.Source));
        }
        await prepared.PrepareAsync(candidates, unit.Store, unit.Now, ct);
        foreach (var p in resources) await updates.ExecuteAsync(unit, Key(p.Resource!), p.Resource!, null, ct);
        return resources.Count;
    }

    private Parsed Parse(NdjsonLine line, string type, bool validate)
    {
        try
        {
            if (line.Bytes is null) throw FhirOutcomeException.TooLarge("The line is longer than FhirPortal:Import:MaxLineBytes.");
            var resource = parser.ParseJson(line.Bytes, out var clean);
            if (resource.TypeName != type)
                throw FhirOutcomeException.BadRequest($"The line holds a {resource.TypeName}; this input's type is {type}.", "resourceType");
            if (string.IsNullOrEmpty(resource.Id))
                throw FhirOutcomeException.BadRequest("An imported resource needs its id (ids are kept from the file).", $"{resource.TypeName}.id");
            // Definitions the server itself relies on (SearchParameters, profiles) are always checked.
            if (validate || resource is SearchParameter or StructureDefinition) versions.Check(resource);
            return new Parsed(line.Number, resource, null, clean ? line.Bytes : null);
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
