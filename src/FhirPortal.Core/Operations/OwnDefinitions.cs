using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations;

/// <summary>
/// Stores the server's own conformance resources (the OperationDefinitions behind its custom operations) so their
/// canonicals resolve on this server: written as the server itself, a new version only when missing or changed.
/// </summary>
public sealed class OwnDefinitions(IResourceStore store, UpdateInteraction update, CallerContext callers)
{
    public async System.Threading.Tasks.Task StoreAsync(IEnumerable<Resource> definitions, CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        foreach (var definition in definitions)
        {
            var key = new ResourceKey(definition.TypeName, definition.Id!);
            if (await store.ReadAsync(key, ct) is { IsDeleted: false } current)
            {
                var stored = FhirParser.ParseStored(current.Json.Span);
                stored.Meta = null;
                if (stored.IsExactly(definition)) continue;
            }
            await update.UpdateAsync(key, definition, null, ct);
        }
    }
}
