using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// A STOP reply: every Patient telecom entry with that number gets the opt-out extension (when it was received), and
/// <see cref="NoticeChannels"/> sends no more texts to it (notices fall back to email, or end not-done).
/// </summary>
public sealed class SmsOptOut(IResourceStore store, WriteRunner runner, ConditionalCriteria criteria, CallerContext callers, TimeProvider clock)
{
    public const string OptOutExtension = "http://fhirportal.org/fhir/StructureDefinition/sms-opt-out";

    /// <summary>The keywords carriers and Twilio treat as an opt-out.</summary>
    public static bool IsStop(string? body) =>
        body?.Trim().ToUpperInvariant() is "STOP" or "STOPALL" or "UNSUBSCRIBE" or "CANCEL" or "END" or "QUIT" or "OPTOUT";

    /// <summary>
    /// Opts <paramref name="number"/> out of texts on every Patient with it as written, and on <paramref name="patientId"/>
    /// (the account page's patient) however its record writes it; returns how many patients had it.
    /// </summary>
    public async Task<int> OptOutAsync(string number, CancellationToken ct, string? patientId = null)
    {
        using var _ = callers.Use(Caller.Server);
        var query = criteria.Parse("Patient", $"telecom={Uri.EscapeDataString(number)}") with { Count = 100, Cursor = null };
        var keys = (await store.SearchAsync(query, ct)).Entries.Select(e => e.Key).ToHashSet();
        if (patientId is not null) keys.Add(new ResourceKey("Patient", patientId));
        var changed = 0;
        foreach (var key in keys)
            if (await runner.RunAsync(unit => OptOutAsync(unit, key, number, ct), ct)) changed++;
        return changed;
    }

    private async Task<bool> OptOutAsync(UnitOfWork unit, ResourceKey key, string number, CancellationToken ct)
    {
        if (await unit.CurrentAsync(key, ct) is not { IsDeleted: false } current || FhirParser.ParseStored(current.Json.Span) is not Patient patient)
            return false;
        var points = patient.Telecom.Where(t => t.Value is { } value && NoticeChannels.E164(value) == NoticeChannels.E164(number) && t.System is ContactPoint.ContactPointSystem.Sms or ContactPoint.ContactPointSystem.Phone
                                                && !NoticeChannels.OptedOut(t)).ToList();
        if (points.Count == 0) return false;
        foreach (var point in points) point.SetExtension(OptOutExtension, new FhirDateTime(clock.GetUtcNow().ToUniversalTime()));
        unit.StageVersion(patient, key.Id, current);
        return true;
    }
}
