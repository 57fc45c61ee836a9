using FhirPortal.Storage;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// delete and conditional delete (https://hl7.org/fhir/R4/http.html#delete): a versioned tombstone; deleting a
/// deleted or never-created resource changes nothing; several matches of conditional criteria fail with 412.
/// </summary>
public sealed class DeleteInteraction(ConditionalCriteria criteria, WriteRunner runner)
{
    /// <summary><c>DELETE [base]/[type]/[id]</c> in its own atomic step, planned again after a lost race.</summary>
    public Task<InteractionResult> DeleteAsync(ResourceKey key, string? ifMatch, CancellationToken ct) =>
        runner.RunAsync(unit => ExecuteAsync(unit, key, ifMatch, ct), ct);

    /// <summary><c>DELETE [base]/[type]?criteria</c> in its own atomic step; the criteria are matched again on each attempt.</summary>
    public Task<InteractionResult> DeleteConditionalAsync(string type, string queryString, string? ifMatch, CancellationToken ct) =>
        runner.RunAsync(unit => ExecuteConditionalAsync(unit, type, queryString, ifMatch, ct), ct);

    /// <summary>Plans the delete inside <paramref name="unit"/> (a transaction or batch entry, or <see cref="DeleteAsync"/>).</summary>
    internal async Task<InteractionResult> ExecuteAsync(UnitOfWork unit, ResourceKey key, string? ifMatch, CancellationToken ct)
    {
        unit.Access.Require(key.Type, Access.Permissions.Delete);
        var current = await unit.CurrentAsync(key, ct);
        // A resource the caller may not delete is a 403 even when it is already deleted, so deletions do not show.
        if (current is { IsDeleted: true } && !await unit.Access.MayReadAsync(current, Access.Permissions.Delete, ct))
            throw FhirOutcomeException.Forbidden($"The access token does not allow deleting {key}.");
        // R4 answers a delete of something that never existed like a successful one; deletes stay idempotent.
        if (current is null)
            return ifMatch is null
                ? new InteractionResult(204, null, Outcomes.Information($"{key} does not exist; nothing was deleted."))
                : throw FhirOutcomeException.PreconditionFailed($"{key} does not exist, so it cannot match If-Match {ifMatch}.");
        if (!current.IsDeleted) unit.Access.RequireWrite(Access.Permissions.Delete, key, null, current);
        if (current.IsDeleted && ifMatch is null) return new InteractionResult(204, current);
        ETags.CheckIfMatch(ifMatch, current);
        return new InteractionResult(204, unit.StageDelete(current));
    }

    internal async Task<InteractionResult> ExecuteConditionalAsync(UnitOfWork unit, string type, string queryString, string? ifMatch, CancellationToken ct)
    {
        var matches = await criteria.MatchAsync(unit, criteria.ParseFor(unit, type, queryString, Access.Permissions.Delete), ct);
        return matches.Count switch
        {
            0 => new InteractionResult(204, null, Outcomes.Information($"No {type} matched '{queryString}'; nothing was deleted.")),
            1 => await ExecuteAsync(unit, matches[0].Key, ifMatch, ct),
            _ => throw FhirOutcomeException.PreconditionFailed($"The criteria '{queryString}' match more than one {type}."),
        };
    }
}
