using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Storage;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// read and vread (https://hl7.org/fhir/R4/http.html#read): the current or a given version. A version the caller
/// may not see is a 403 whether it is live or deleted, so neither its content nor its deletion shows.
/// </summary>
public sealed class ReadInteraction(IResourceStore store, CallerContext callers, AccessAudit audit)
{
    public Task<StoredResource> ReadAsync(ResourceKey key, CancellationToken ct) =>
        audit.RecordAsync("read", key.Type, key.ToString(), PatientOf(key), () => ReadCurrentAsync(key, ct), r => [r]);

    public Task<StoredResource> ReadVersionAsync(ResourceKey key, string versionId, CancellationToken ct) =>
        audit.RecordAsync("vread", key.Type, $"{key}/_history/{versionId}", PatientOf(key), () => ReadGivenVersionAsync(key, versionId, ct), r => [r]);

    /// <summary>A read of a Patient concerns that patient even when it fails (403, 404, 410).</summary>
    private static IReadOnlyList<string> PatientOf(ResourceKey key) => key.Type == "Patient" ? [key.Id] : [];

    private async Task<StoredResource> ReadCurrentAsync(ResourceKey key, CancellationToken ct)
    {
        var access = callers.Current;
        access.Require(key.Type, Permissions.Read);
        var current = await store.ReadAsync(key, ct) ?? throw FhirOutcomeException.NotFound($"{key} is not known.");
        await access.RequireReadAsync(current, Permissions.Read, ct);
        if (current.IsDeleted) throw new DeletedException(current);
        return current;
    }

    private async Task<StoredResource> ReadGivenVersionAsync(ResourceKey key, string versionId, CancellationToken ct)
    {
        if (!int.TryParse(versionId, System.Globalization.NumberStyles.None, null, out var version))
            throw FhirOutcomeException.NotFound($"{key} has no version '{versionId}'.");
        var access = callers.Current;
        access.Require(key.Type, Permissions.Read);
        var stored = await store.ReadVersionAsync(key, version, ct)
            ?? throw FhirOutcomeException.NotFound($"{key} has no version {version}.");
        await access.RequireReadAsync(stored, Permissions.Read, ct);
        if (stored.IsDeleted) throw new DeletedException(stored);
        return stored;
    }

    /// <summary>410 Gone, carrying the tombstone so the response can show its version and time.</summary>
    public sealed class DeletedException(StoredResource tombstone)
        : Exception($"{tombstone.Key} was deleted (version {tombstone.VersionId}).")
    {
        public StoredResource Tombstone { get; } = tombstone;
        public FhirOutcomeException ToOutcome() => FhirOutcomeException.Gone(Message);
    }
}
