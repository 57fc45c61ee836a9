using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Auth.Organizations;

/// <summary>
/// Reads the FHIR resources organization accounts hang on (the Organization, a staff member's Practitioner) as the
/// server itself: no token exists in the account flows, and these reads decide nothing a caller sees.
/// </summary>
public sealed class OrganizationDirectory(ReadInteraction read, CallerContext callers)
{
    /// <summary>The organization's kind from its <c>type</c>; <paramref name="exists"/> is false when it is not stored (or deleted).</summary>
    public async Task<(bool Exists, OrganizationKind? Kind)> KindAsync(string organizationId, CancellationToken ct)
    {
        var organization = await ReadAsync(new ResourceKey("Organization", organizationId), ct) as Organization;
        return organization is null ? (false, null) : (true, OrganizationAccess.KindOf(organization));
    }

    public async Task<bool> ExistsAsync(ResourceKey key, CancellationToken ct) => await ReadAsync(key, ct) is not null;

    private async Task<Resource?> ReadAsync(ResourceKey key, CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        try { return FhirParser.ParseStored((await read.ReadAsync(key, ct)).Json.Span); }
        catch (Exception e) when (e is FhirOutcomeException or ReadInteraction.DeletedException) { return null; }
    }
}
