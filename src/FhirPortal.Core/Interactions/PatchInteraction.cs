using FhirPortal.Core.Patching;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// patch (https://hl7.org/fhir/R4/http.html#patch): applies a JSON Patch or FHIRPath Patch to the current version
/// and stores the result as a new version, under the same If-Match rules as update; a patch that changes
/// nothing leaves the current version as it is.
/// </summary>
public sealed class PatchInteraction(ConditionalCriteria criteria, WriteRunner runner)
{
    /// <summary><c>PATCH [base]/[type]/[id]</c> in its own atomic step; each attempt applies the patch to the then-current version.</summary>
    public Task<InteractionResult> PatchAsync(ResourceKey key, IResourcePatch patch, string? ifMatch, CancellationToken ct) =>
        runner.RunAsync(unit => ExecuteAsync(unit, key, patch, ifMatch, ct), ct);

    /// <summary><c>PATCH [base]/[type]?criteria</c> in its own atomic step; the criteria are matched again on each attempt.</summary>
    public Task<InteractionResult> PatchConditionalAsync(string type, string queryString, IResourcePatch patch, string? ifMatch, CancellationToken ct) =>
        runner.RunAsync(unit => ExecuteConditionalAsync(unit, type, queryString, patch, ifMatch, ct), ct);

    /// <summary>Plans the patch inside <paramref name="unit"/> (a transaction or batch entry, or <see cref="PatchAsync"/>).</summary>
    internal async Task<InteractionResult> ExecuteAsync(UnitOfWork unit, ResourceKey key, IResourcePatch patch, string? ifMatch, CancellationToken ct)
    {
        unit.Access.Require(key.Type, Access.Permissions.Update);
        var current = await unit.CurrentAsync(key, ct) ?? throw FhirOutcomeException.NotFound($"{key} is not known.");
        unit.Access.RequireWrite(Access.Permissions.Update, key, null, current);
        if (current.IsDeleted) throw FhirOutcomeException.Gone($"{key} was deleted; it cannot be patched.");
        ETags.CheckIfMatch(ifMatch, current);

        var before = FhirParser.ParseStored(current.Json.Span);
        var patched = patch.Apply((Resource)before.DeepCopy());
        if (patched.TypeName != key.Type || patched.Id != key.Id)
            throw FhirOutcomeException.Unprocessable("A patch may not change the resource's type or id.");
        // A patch that changes nothing makes no new version: the current one is the result, with its ETag.
        if (patched.IsExactly(before)) return new InteractionResult(200, current);
        var stored = unit.StageVersion(patched, key.Id, current);
        return new InteractionResult(200, stored, unit.WarningsFor(stored.Key));
    }

    internal async Task<InteractionResult> ExecuteConditionalAsync(UnitOfWork unit, string type, string queryString, IResourcePatch patch, string? ifMatch, CancellationToken ct)
    {
        var matches = await criteria.MatchAsync(unit, criteria.ParseFor(unit, type, queryString, Access.Permissions.Update), ct);
        return matches.Count switch
        {
            0 => throw FhirOutcomeException.NotFound($"No {type} matched '{queryString}'."),
            1 => await ExecuteAsync(unit, matches[0].Key, patch, ifMatch, ct),
            _ => throw FhirOutcomeException.PreconditionFailed($"The criteria '{queryString}' match more than one {type}."),
        };
    }
}
