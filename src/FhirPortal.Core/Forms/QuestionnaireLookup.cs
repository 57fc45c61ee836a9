using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Forms;

/// <summary>
/// Finds the Questionnaire a response answers (<c>QuestionnaireResponse.questionnaire</c>): a canonical URL, with
/// <c>|version</c> when given (without, the most recently updated Questionnaire with that url), a relative
/// <c>Questionnaire/[id]</c> (as the R4 examples write it), or <c>#id</c> for one contained in the response. Questionnaires
/// staged in the same transaction count; deleted ones do not.
/// </summary>
internal sealed class QuestionnaireLookup(ConditionalCriteria criteria)
{
    /// <summary>What the lookup reads through: a unit of work's view of the store, or the store itself.</summary>
    public sealed record Source(IResourceStore Store, Func<ResourceKey, CancellationToken, Task<StoredResource?>> Read, IEnumerable<StoredResource> Staged);

    public static Source Of(UnitOfWork unit) => new(unit.Store, unit.CurrentAsync, unit.StagedOf("Questionnaire"));

    public static Source Of(IResourceStore store) => new(store, store.ReadAsync, []);

    /// <summary>Whether <paramref name="canonical"/> names a Questionnaire contained in the response (<c>#id</c>), not one in the store.</summary>
    public static bool IsContained(string canonical) => canonical.StartsWith('#');

    /// <summary>The Questionnaire <paramref name="canonical"/> names; null when this server does not hold it.</summary>
    public async Task<Questionnaire?> FindAsync(string canonical, QuestionnaireResponse response, Source source, CancellationToken ct)
    {
        if (IsContained(canonical))
            return response.Contained.OfType<Questionnaire>().FirstOrDefault(q => q.Id == canonical[1..]);
        var (url, version) = canonical.Split('|', 2) is [var u, var v] ? (u, v) : (canonical, null);
        if (url.Split('/') is ["Questionnaire", var id])
            return Parse(await source.Read(new ResourceKey("Questionnaire", id), ct)) is { } local && (version is null || local.Version == version) ? local : null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out _)) return null;

        var query = $"url={Uri.EscapeDataString(url)}" + (version is null ? "" : $"&version={Uri.EscapeDataString(version)}");
        var stored = (await source.Store.SearchAsync(criteria.Parse("Questionnaire", query) with { Count = 50, Cursor = null }, ct)).Entries;
        var staged = source.Staged.ToList();
        return stored.Where(s => staged.All(v => v.Key != s.Key)).Concat(staged)
            .Where(s => !s.IsDeleted).OrderByDescending(s => s.LastUpdated)
            .Select(Parse).FirstOrDefault(q => q is not null && q.Url == url && (version is null || q.Version == version));
    }

    private static Questionnaire? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as Questionnaire : null;
}
