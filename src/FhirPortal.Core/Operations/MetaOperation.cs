using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations;

/// <summary>
/// <c>$meta</c>, <c>$meta-add</c>, <c>$meta-delete</c> (https://hl7.org/fhir/R4/resource-operations.html#meta): the
/// profiles, tags and security labels of one resource, or those in use across a type or the whole system, and
/// adding or removing them on one resource. Reading needs what a read (instance) or a search (type, system) needs;
/// changing needs what an update needs.
/// </summary>
/// <remarks>
/// R4 says $meta-add/$meta-delete do not create a new version. Stored versions here are immutable (history, ETags,
/// the Cosmos store's replicas), and neither store can rewrite a version in place atomically with its index, so a
/// change is stored as a new version through the same write path as update; a call that changes nothing stores
/// nothing and answers the current meta.
/// </remarks>
public sealed class MetaOperation(IResourceStore store, ReadInteraction read, WriteRunner runner, CallerContext callers, FhirLimits limits)
{
    /// <summary>Instance <c>$meta</c>: the resource's profiles, tags and security labels.</summary>
    public async Task<Parameters> ReadAsync(ResourceKey key, CancellationToken ct)
    {
        var stored = await read.ReadAsync(key, ct);
        return Result(Collect([FhirParser.ParseStored(stored.Json.Span).Meta]));
    }

    /// <summary>Type or system <c>$meta</c>: every profile, tag and security label on a current resource the caller may see.</summary>
    public async Task<Parameters> InUseAsync(string? type, CancellationToken ct)
    {
        var access = callers.Current;
        if (type is not null) access.Require(type, Permissions.Search);
        else if (!access.IsUnrestricted && access.GrantedTypes(Permissions.Search).Count == 0)
            throw FhirOutcomeException.Forbidden("The access token has no scope that allows searching any resource type, so it cannot read system $meta.");
        var metas = new List<Meta?>();
        string? cursor = null;
        do
        {
            // Note: this walks every current resource in scope; no store keeps a list of the distinct values.
            var page = await store.SearchAsync(access.Narrow(new SearchQuery(type, [], limits.MaxPageSize, cursor)), ct);
            foreach (var resource in page.Entries) metas.Add(FhirParser.ParseStored(resource.Json.Span).Meta);
            cursor = page.NextCursor;
        } while (cursor is not null);
        return Result(Collect(metas));
    }

    /// <summary><c>$meta-add</c> (<paramref name="add"/> true) or <c>$meta-delete</c> on one current resource.</summary>
    public Task<Parameters> ChangeAsync(ResourceKey key, Parameters parameters, bool add, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var change = parameters.Parameter.SingleOrDefault(p => p.Name == "meta")?.Value as Meta
                ?? throw FhirOutcomeException.BadRequest($"${(add ? "meta-add" : "meta-delete")} needs one parameter 'meta' with a Meta value.", "meta");
            unit.Access.Require(key.Type, Permissions.Update);
            var current = await unit.CurrentAsync(key, ct) ?? throw FhirOutcomeException.NotFound($"{key} is not known.");
            unit.Access.RequireWrite(Permissions.Update, key, null, current);
            if (current.IsDeleted) throw FhirOutcomeException.Gone($"{key} was deleted; its meta cannot change.");

            var resource = FhirParser.ParseStored(current.Json.Span);
            var before = (Meta?)resource.Meta?.DeepCopy();
            resource.Meta ??= new Meta();
            if (add) MetaSets.Add(resource.Meta, change);
            else MetaSets.Remove(resource.Meta, change);
            if (!resource.Meta.IsExactly(before ?? new Meta()))
                resource = FhirParser.ParseStored(unit.StageVersion(resource, key.Id, current).Json.Span);
            return Result(Collect([resource.Meta]));
        }, ct);

    private static Meta Collect(IEnumerable<Meta?> metas)
    {
        var result = new Meta();
        foreach (var meta in metas)
            if (meta is not null) MetaSets.Add(result, meta);
        return result;
    }

    private static Parameters Result(Meta meta)
    {
        var parameters = new Parameters();
        parameters.Add("return", meta);
        return parameters;
    }
}
