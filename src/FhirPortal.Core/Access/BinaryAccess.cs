using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Access;

/// <summary>
/// Binaries (message attachments) are read as if they were their <c>securityContext</c>
/// (https://hl7.org/fhir/R4/binary.html#security): who may not read that resource may not read the Binary. A
/// patient's app may upload (create) Binaries, never change or search them: Binary lies in no patient compartment,
/// so nothing would confine an update or a search to the patient's own.
/// </summary>
internal static class BinaryAccess
{
    public const string Type = "Binary";

    /// <summary>Whether a patient-bound grant may still make this write on a non-compartment type.</summary>
    public static bool PatientMayWrite(string type, Permissions permission) => type == Type && permission == Permissions.Create;

    /// <summary>Whether a patient-bound grant may use this interaction on a non-compartment type.</summary>
    public static bool PatientMaySearch(string type, Permissions permission) => type != Type || permission != Permissions.Search;

    /// <summary>Whether the caller may read the resource the Binary's context names; without a context, only if it is not patient-bound.</summary>
    public static async Task<bool> ContextAllowsAsync(CallerAccess access, Binary binary, IResourceStore store, CancellationToken ct)
    {
        if (binary.SecurityContext?.Reference is not { } reference) return !access.IsPatientBound;
        var parts = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var history = Array.IndexOf(parts, "_history");
        if (history >= 0) parts = parts[..history];
        // A context that is not a resource here (or another Binary) grants nothing to a restricted caller.
        if (parts.Length < 2 || parts[^2] == Type || reference.StartsWith('#')) return false;
        var context = await store.ReadAsync(new ResourceKey(parts[^2], parts[^1]), ct);
        return context is { IsDeleted: false } && await access.MayReadAsync(context, Permissions.Read, ct);
    }
}
