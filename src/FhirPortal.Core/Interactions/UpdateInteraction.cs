using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// update and conditional update (https://hl7.org/fhir/R4/http.html#update), including create-on-update with a
/// client-chosen id; If-Match guards against lost updates.
/// </summary>
public sealed class UpdateInteraction(ConditionalCriteria criteria, WriteRunner runner)
{
    /// <summary><c>PUT [base]/[type]/[id]</c> in its own atomic step; a lost race plans again from the same (unchanged) resource.</summary>
    public Task<InteractionResult> UpdateAsync(ResourceKey key, Resource resource, string? ifMatch, CancellationToken ct) =>
        runner.RunAsync(unit => ExecuteAsync(unit, key, resource, ifMatch, ct), ct);

    /// <summary><c>PUT [base]/[type]?criteria</c> in its own atomic step; the criteria are matched again on each attempt.</summary>
    public Task<InteractionResult> UpdateConditionalAsync(string type, string queryString, Resource resource, string? ifMatch, CancellationToken ct)
    {
        if (resource.TypeName != type)
            throw FhirOutcomeException.Unprocessable($"The body is a {resource.TypeName}, the URL names {type}.", "resourceType");
        return runner.RunAsync(unit => ExecuteConditionalAsync(unit, queryString, resource, ifMatch, null, ct), ct);
    }

    /// <summary>Plans the update inside <paramref name="unit"/> (a transaction or batch entry, or <see cref="UpdateAsync"/>).</summary>
    internal Task<InteractionResult> ExecuteAsync(UnitOfWork unit, ResourceKey key, Resource resource, string? ifMatch, CancellationToken ct)
    {
        if (resource.TypeName != key.Type)
            throw FhirOutcomeException.Unprocessable($"The body is a {resource.TypeName}, the URL names {key.Type}.", "resourceType");
        if (string.IsNullOrEmpty(resource.Id))
            throw FhirOutcomeException.BadRequest("An update needs the resource's id in the body.", $"{key.Type}.id");
        if (resource.Id != key.Id)
            // R4 http.html#update: an id that disagrees with the URL SHALL be a 400.
            throw FhirOutcomeException.BadRequest($"The body's id '{resource.Id}' differs from the id '{key.Id}' in the URL.", $"{key.Type}.id");
        return StageAsync(unit, key, resource, ifMatch, ct);
    }

    /// <summary>
    /// Plans the conditional update inside <paramref name="unit"/>. Without a match it creates the resource with the body's
    /// id, else <paramref name="assignedId"/> (a transaction decides ids first), else a new one; the body is not changed.
    /// </summary>
    internal async Task<InteractionResult> ExecuteConditionalAsync(UnitOfWork unit, string queryString, Resource resource, string? ifMatch, string? assignedId, CancellationToken ct)
    {
        var query = criteria.ParseFor(unit, resource.TypeName, queryString, Access.Permissions.Update);
        var matches = await criteria.MatchAsync(unit, query, ct);
        switch (matches.Count)
        {
            case 0:
                unit.RequireNoMatch(query);
                return resource.Id is null
                    ? await StageAsync(unit, new ResourceKey(resource.TypeName, assignedId ?? CreateInteraction.NewId()), resource, ifMatch, ct)
                    : await ExecuteAsync(unit, new ResourceKey(resource.TypeName, resource.Id), resource, ifMatch, ct);
            case 1:
                var match = matches[0].Key;
                if (resource.Id is not null && resource.Id != match.Id)
                    throw FhirOutcomeException.BadRequest($"The body's id '{resource.Id}' differs from the matching resource {match}.");
                return await StageAsync(unit, match, resource, ifMatch, ct);
            default:
                throw FhirOutcomeException.PreconditionFailed($"The criteria '{queryString}' match more than one {resource.TypeName}.");
        }
    }

    private static async Task<InteractionResult> StageAsync(UnitOfWork unit, ResourceKey key, Resource resource, string? ifMatch, CancellationToken ct)
    {
        var current = await unit.CurrentAsync(key, ct);
        // The old content is checked before If-Match, so a 412 never reveals another patient's version.
        if (current is { IsDeleted: false }) unit.Access.RequireWrite(Access.Permissions.Update, key, null, current);
        ETags.CheckIfMatch(ifMatch, current);
        var stored = unit.StageVersion(resource, key.Id, current);
        return new InteractionResult(current is null || current.IsDeleted ? 201 : 200, stored, unit.WarningsFor(stored.Key));
    }
}
