using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// create and conditional create (https://hl7.org/fhir/R4/http.html#create): the server assigns the id;
/// with If-None-Exist, one match returns it unchanged, several fail with 412.
/// </summary>
public sealed class CreateInteraction(ConditionalCriteria criteria, WriteRunner runner)
{
    /// <summary>
    /// <c>POST [base]/[type]</c> in its own atomic step, retried from the same input after a lost race (the resource
    /// is not changed, so no copy is made).
    /// </summary>
    public Task<InteractionResult> CreateAsync(string type, Resource resource, string? ifNoneExist, CancellationToken ct)
    {
        if (resource.TypeName != type)
            throw FhirOutcomeException.Unprocessable($"The body is a {resource.TypeName}, the URL names {type}.", "resourceType");
        return runner.RunAsync(unit => ExecuteAsync(unit, resource, ifNoneExist, null, ct), ct);
    }

    /// <summary>Plans the create inside <paramref name="unit"/> (a transaction or batch entry, or <see cref="CreateAsync"/>).</summary>
    internal async Task<InteractionResult> ExecuteAsync(UnitOfWork unit, Resource resource, string? ifNoneExist, string? assignedId, CancellationToken ct)
    {
        unit.Access.Require(resource.TypeName, Access.Permissions.Create);
        if (ifNoneExist is not null)
        {
            // An empty header is a mistake, not a request for an unconditional create.
            if (string.IsNullOrWhiteSpace(ifNoneExist))
                throw FhirOutcomeException.BadRequest("If-None-Exist is empty; give search criteria, or leave the header out.", "If-None-Exist");
            var query = criteria.ParseFor(unit, resource.TypeName, ifNoneExist, Access.Permissions.Create);
            var matches = await criteria.MatchAsync(unit, query, ct);
            if (matches.Count == 1) return new InteractionResult(200, matches[0]);
            if (matches.Count > 1)
                throw FhirOutcomeException.PreconditionFailed($"If-None-Exist '{ifNoneExist}' matches more than one {resource.TypeName}.");
            unit.RequireNoMatch(query);
        }
        var stored = unit.StageVersion(resource, assignedId ?? NewId(), current: null);
        return new InteractionResult(201, stored, unit.WarningsFor(stored.Key));
    }

    /// <summary>Time-ordered ids keep inserts at the end of the store's indexes.</summary>
    public static string NewId() => Guid.CreateVersion7().ToString();
}
