using FhirPortal.Core.Messaging;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// "New result" notices: a DiagnosticReport, or an Observation of category <c>laboratory</c>, of a patient that is
/// created released (final, amended, corrected, appended) or changes to such a status. One notice per result and
/// status (identifier <c>result/{type}/{id}/{status}</c>), held for <see cref="NotificationOptions.ResultReleaseDelay"/>.
/// The text never carries the result: PHI stays in the portal. Results released longer than
/// <see cref="NotificationOptions.NoticeMaxAge"/> ago (imported history) are not announced.
/// </summary>
internal static class ResultNotices
{
    public const string Text = "A new test result is ready in your portal.";
    private const string KeyPrefix = "result/";

    /// <summary>The notice a write of a result calls for, or null (not a patient's result, not released, or no status change).</summary>
    public static Notice? Of(UnitOfWork unit, StagedWrite write, NotificationOptions options)
    {
        var now = unit.Now;
        var key = write.Version.Key;
        if (unit.ResourceOf(write.Version) is not DomainResource after || ReleasedResults.StatusOf(after) is not { } status || !ReleasedResults.Statuses.Contains(status)) return null;
        // A later update of a result in the same status (a corrected typo in a note, a re-import) is not news.
        if (Parse(write.Previous) is { } before && ReleasedResults.StatusOf(before) == status) return null;
        if (after is Observation observation && !ReleasedResults.IsLaboratory(observation)) return null;
        // History is not news: an import of old results (a Synthea record, a migrated chart) tells nobody.
        if (options.IsHistory(ReleasedAt(after), now)) return null;
        var subject = after is Observation o ? o.Subject : ((DiagnosticReport)after).Subject;
        if (MessageReferences.Local(subject?.Reference) is not ["Patient", var patient]) return null;
        return new Notice(patient, "results", new ResourceReference($"{key.Type}/{key.Id}"), "New test result", Text,
            $"{KeyPrefix}{key.Type}/{key.Id}/{status}", now + options.ResultReleaseDelay);
    }

    /// <summary>
    /// Why a held result notice must no longer go out: every result it announces was withdrawn (deleted, entered in
    /// error, back to preliminary) during the release delay. Null if it still applies or is not a result notice.
    /// </summary>
    public static async Task<string?> StaleReasonAsync(IResourceStore store, Communication communication, CancellationToken ct)
    {
        if (!communication.Identifier.Any(i => i.System == NoticeOutbox.IdentifierSystem && i.Value?.StartsWith(KeyPrefix, StringComparison.Ordinal) == true))
            return null;
        foreach (var about in communication.About)
            if (MessageReferences.Local(about.Reference) is [var type, var id]
                && await store.ReadAsync(new ResourceKey(type, id), ct) is { IsDeleted: false } version
                && Parse(version) is { } result && ReleasedResults.StatusOf(result) is { } status && ReleasedResults.Statuses.Contains(status))
                return null;
        return "The result was withdrawn before its release.";
    }

    /// <summary>When the result was released (<c>issued</c>), else when it was taken (<c>effective[x]</c>); null if neither.</summary>
    private static DateTimeOffset? ReleasedAt(DomainResource result)
    {
        var (issued, effective) = result switch
        {
            Observation o => (o.Issued, o.Effective),
            DiagnosticReport d => (d.Issued, d.Effective),
            _ => (null, null),
        };
        if (issued is { } at) return at;
        var instant = effective switch
        {
            FhirDateTime dateTime => dateTime,
            Period period => period.EndElement ?? period.StartElement,
            Instant i => i.Value is { } v ? new FhirDateTime(v) : null,
            _ => null,
        };
        return instant?.ToDateTimeOffset(TimeSpan.Zero);
    }

    private static DomainResource? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as DomainResource : null;
}
