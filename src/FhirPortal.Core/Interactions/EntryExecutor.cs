using FhirPortal.Core.Patching;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>Runs one Bundle entry through the matching interaction and shapes its entry response.</summary>
public sealed class EntryExecutor(
    CreateInteraction create,
    UpdateInteraction update,
    PatchInteraction patch,
    DeleteInteraction delete,
    ReadInteraction read,
    SearchInteraction search,
    HistoryInteraction history,
    FhirParser parser)
{
    /// <summary>Plans one write entry inside the Bundle's (transaction) or the entry's own (batch) unit of work.</summary>
    internal Task<InteractionResult> WriteAsync(UnitOfWork unit, Bundle.EntryComponent entry, EntryTarget target, string? assignedId, CancellationToken ct)
    {
        var request = entry.Request ?? throw new ArgumentException("The entry has no request; BundleChecks.Target rejects those first.", nameof(entry));
        return target.Method switch
        {
            Bundle.HTTPVerb.POST => create.ExecuteAsync(unit, RequireResource(entry, target), request.IfNoneExist, assignedId, ct),
            Bundle.HTTPVerb.PUT when target.HasCriteria => update.ExecuteConditionalAsync(unit, target.Query, RequireResource(entry, target), request.IfMatch, assignedId, ct),
            Bundle.HTTPVerb.PUT => update.ExecuteAsync(unit, Key(target), RequireResource(entry, target), request.IfMatch, ct),
            Bundle.HTTPVerb.PATCH when target.HasCriteria => patch.ExecuteConditionalAsync(unit, target.Type!, target.Query, PatchOf(entry), request.IfMatch, ct),
            Bundle.HTTPVerb.PATCH => patch.ExecuteAsync(unit, Key(target), PatchOf(entry), request.IfMatch, ct),
            Bundle.HTTPVerb.DELETE when target.HasCriteria => delete.ExecuteConditionalAsync(unit, target.Type!, target.Query, request.IfMatch, ct),
            Bundle.HTTPVerb.DELETE => delete.ExecuteAsync(unit, Key(target), request.IfMatch, ct),
            _ => throw FhirOutcomeException.BadRequest($"{request.Method} is not a write."),
        };
    }

    /// <summary>GET entries: read, vread, search or history, with ifNoneMatch / ifModifiedSince honoured.</summary>
    public async Task<BundleEntryResult> ReadAsync(string baseUrl, Bundle.EntryComponent entry, EntryTarget target, CancellationToken ct)
    {
        var parameters = QueryString.Parse(target.Query);
        if (target.History)
            return Inline(await history.ExecuteAsync(baseUrl, target.Type, target.Id, parameters, ct), baseUrl);
        if (target.Type is null)
            throw FhirOutcomeException.BadRequest("A GET entry needs a resource type.");
        if (target.Id is null)
            return Inline(await search.ExecuteAsync(baseUrl, new SearchScope(target.Type), parameters, strict: false, ct), baseUrl);

        var stored = target.VersionId is null
            ? await read.ReadAsync(Key(target), ct)
            : await read.ReadVersionAsync(Key(target), target.VersionId, ct);
        var status = ConditionalRead.IsNotModified(stored, entry.Request?.IfNoneMatch, entry.Request?.IfModifiedSince) ? 304 : 200;
        return ToEntry(new InteractionResult(status, stored), status == 200 ? ReturnPreference.Representation : ReturnPreference.Minimal);
    }

    public static BundleEntryResult ToEntry(InteractionResult result, ReturnPreference preference)
    {
        var stored = result.Resource;
        var response = new EntryResponse(
            StatusText.For(result.Status),
            stored is null || result.Status == 204 ? null : $"{stored.Key}/_history/{stored.VersionId}",
            stored is null ? null : ETags.ForVersion(stored.VersionId),
            stored?.LastUpdated,
            result.Outcome);
        var body = preference == ReturnPreference.Representation && stored is { IsDeleted: false } ? stored : null;
        return new BundleEntryResult(body, Response: response);
    }

    public static BundleEntryResult ErrorEntry(FhirOutcomeException error) =>
        new(null, Response: new EntryResponse(StatusText.For(error.Status), null, null, null, error.Outcome));

    private static BundleEntryResult Inline(BundleResult bundle, string baseUrl) =>
        new(null, BundleMaterializer.ToPoco(bundle, baseUrl), Response: new EntryResponse(StatusText.For(200), null, null, null));

    private static ResourceKey Key(EntryTarget target) =>
        target.Type is not null && target.Id is not null
            ? new ResourceKey(target.Type, target.Id)
            : throw FhirOutcomeException.BadRequest("The entry's request.url must name a resource (Type/id).");

    private static Resource RequireResource(Bundle.EntryComponent entry, EntryTarget target)
    {
        var resource = entry.Resource ?? throw FhirOutcomeException.BadRequest($"A {target.Method} entry needs a resource.");
        if (target.Type is not null && resource.TypeName != target.Type)
            throw FhirOutcomeException.Unprocessable($"The entry's resource is a {resource.TypeName}, its request.url names {target.Type}.");
        return resource;
    }

    private IResourcePatch PatchOf(Bundle.EntryComponent entry) => entry.Resource switch
    {
        Parameters parameters => FhirPathPatchDocument.FromParameters(parameters, parser),
        Binary { ContentType: "application/json-patch+json", Data: { } data } => JsonPatchDocument.Parse(data, parser),
        _ => throw FhirOutcomeException.BadRequest("A PATCH entry needs a Parameters resource (FHIRPath Patch) or a Binary holding a JSON Patch."),
    };
}
