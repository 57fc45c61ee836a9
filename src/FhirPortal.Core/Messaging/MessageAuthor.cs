using FhirPortal.Core.Access;
using FhirPortal.Core.Scheduling;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// The person a caller writes messages as: a patient (a patient's app or account) or a care-team member (a
/// practitioner user). Null for the server itself, <c>system/</c> clients and requests with security off: what
/// they write is a record (imports, notifications), not a message someone sends now.
/// </summary>
public sealed record MessageAuthor(string Reference, string? PatientId)
{
    /// <summary>Whether this author is the patient <paramref name="patientId"/>.</summary>
    public bool IsPatient => PatientId is not null;

    /// <summary>The author of the caller's writes, or null when the caller is not a person (see the type's summary).</summary>
    public static MessageAuthor? Of(CallerAccess access)
    {
        if (access.IsUnrestricted) return null;
        var caller = access.Caller;
        if (SchedulingRules.IsPatient(access))
        {
            var patient = caller.PatientId ?? (MessageReferences.Local(caller.FhirUser) is ["Patient", var id] ? id : null);
            return patient is null ? null : new MessageAuthor($"Patient/{patient}", patient);
        }
        return MessageReferences.Local(caller.FhirUser) is [("Practitioner" or "PractitionerRole") and var type, var staffId]
            ? new MessageAuthor($"{type}/{staffId}", null)
            : null;
    }
}

/// <summary>Local <c>Type/id</c> forms of the references messages carry (relative, absolute, versioned).</summary>
public static class MessageReferences
{
    /// <summary><c>[Type, id]</c> of a literal reference, or null when it is not one (contained, logical only, empty).</summary>
    public static string[]? Local(string? reference)
    {
        if (string.IsNullOrEmpty(reference) || reference.StartsWith('#')) return null;
        var parts = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var history = Array.IndexOf(parts, "_history");
        if (history >= 0) parts = parts[..history];
        return parts.Length >= 2 ? [parts[^2], parts[^1]] : null;
    }

    /// <summary>The reference as <c>Type/id</c>, or null.</summary>
    public static string? Key(string? reference) => Local(reference) is [var type, var id] ? $"{type}/{id}" : null;
}
