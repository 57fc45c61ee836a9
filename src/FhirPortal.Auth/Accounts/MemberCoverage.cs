using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Auth.Accounts;

/// <summary>
/// What a health-plan member types from the insurance card. The member ID carries the first five digits of the
/// member's SSN in place of the card's X's: it is compared and then forgotten, never stored, logged or audited.
/// <paramref name="Dependent"/> is the dependent number printed on a dependent's card (e.g. "-01"); empty for the subscriber.
/// </summary>
public sealed record MemberCard(string MemberId, string Group, string Name, string BirthDate, string? Dependent = null);

/// <summary>
/// Finds the Patient a member card belongs to: the beneficiary of an active Coverage (period covering today) whose
/// <c>subscriberId</c> is the member ID and whose <c>class</c> of type <c>group</c> has the group number, when that
/// Patient's birth date and name match too. The subscriber ID is the same on every family member's Coverage, so the
/// beneficiary must also be the one the card names: the subscriber (Coverage.subscriber is the beneficiary, or the
/// Coverage has no dependent number) when no dependent number is typed, else the Coverage whose <c>dependent</c> it is.
/// Searched as the server itself; any mismatch is simply no Patient.
/// </summary>
public sealed class MemberCoverage(SearchInteraction search, CallerContext callers, TimeProvider time)
{
    private const string ClassSystem = "http://terminology.hl7.org/CodeSystem/coverage-class";

    public async Task<string?> BeneficiaryAsync(string baseUrl, MemberCard card, CancellationToken ct)
    {
        var memberId = card.MemberId.Trim();
        var group = card.Group.Trim();
        var birthDate = card.BirthDate.Trim();
        if (memberId.Length == 0 || group.Length == 0 || birthDate.Length == 0 || !DateOnly.TryParseExact(birthDate, "yyyy-MM-dd", out _)) return null;
        using var server = callers.Use(Caller.Server);
        // Note: group and birth date narrow the search; the member ID is never part of a query (it would reach logs).
        KeyValuePair<string, string>[] parameters =
        [
            new("status", "active"), new("class-value", PatientRegistration.Escape(group)), new("beneficiary:Patient.birthdate", birthDate),
            new("_include", "Coverage:beneficiary"), new("_count", "50"),
        ];
        var bundle = await search.ExecuteAsync(baseUrl, new SearchScope("Coverage"), parameters, strict: true, ct);
        var patients = bundle.Entries.Where(e => e.SearchMode == Bundle.SearchEntryMode.Include && e.Resource is { Key.Type: "Patient" })
            .ToDictionary(e => e.Resource!.Key.Id, e => (Patient)FhirParser.ParseStored(e.Resource!.Json.Span));
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string? found = null;
        foreach (var entry in bundle.Entries.Where(e => e.SearchMode == Bundle.SearchEntryMode.Match && e.Resource is not null))
        {
            var coverage = (Coverage)FhirParser.ParseStored(entry.Resource!.Json.Span);
            // Every candidate is compared in full (no early exit), so the time taken does not tell which part differed.
            var beneficiary = Beneficiary(coverage);
            var person = beneficiary is not null && patients.TryGetValue(beneficiary, out var patient) && patient.BirthDate == birthDate & NameMatches(patient, card.Name);
            var matches = SameMemberId(coverage.SubscriberId, memberId)
                & coverage.Status == FinancialResourceStatusCodes.Active
                & Covers(coverage.Period, today)
                & coverage.Class.Any(c => c.Type.Coding.Any(t => t.System == ClassSystem && t.Code == "group") && string.Equals(c.Value?.Trim(), group, StringComparison.OrdinalIgnoreCase))
                & IsCardHolder(coverage, beneficiary, card.Dependent)
                & person;
            if (matches) found ??= beneficiary;
        }
        return found;
    }

    private static string? Beneficiary(Coverage coverage) =>
        coverage.Beneficiary?.Reference is { } reference && reference.StartsWith("Patient/", StringComparison.Ordinal) ? reference["Patient/".Length..] : null;

    /// <summary>
    /// Whether the card's holder is this Coverage's beneficiary: with no dependent number typed, the subscriber (or a
    /// Coverage without dependent number); with one, the Coverage carrying that number ("-01", "01" and " 01" are alike).
    /// </summary>
    internal static bool IsCardHolder(Coverage coverage, string? beneficiary, string? typedDependent)
    {
        var typed = DependentNumber(typedDependent);
        var stored = DependentNumber(coverage.Dependent);
        if (typed.Length > 0) return string.Equals(typed, stored, StringComparison.OrdinalIgnoreCase);
        var subscriber = coverage.Subscriber?.Reference;
        return subscriber is not null ? beneficiary is not null && subscriber == "Patient/" + beneficiary : stored.Length == 0;
    }

    private static string DependentNumber(string? value) => (value ?? "").Trim().TrimStart('-').Trim();

    private static bool SameMemberId(string? stored, string typed) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes((stored ?? "").Trim().ToUpperInvariant()), Encoding.UTF8.GetBytes(typed.ToUpperInvariant()));

    /// <summary>Whether today (to the day) lies in the period; an open end is unbounded; partial dates compare at their precision.</summary>
    internal static bool Covers(Period? period, string today)
    {
        if (period is null) return true;
        return (period.Start is not { Length: > 0 } start || string.CompareOrdinal(Day(start), today[..Math.Min(today.Length, Day(start).Length)]) <= 0)
            && (period.End is not { Length: > 0 } end || string.CompareOrdinal(Day(end), today[..Math.Min(today.Length, Day(end).Length)]) >= 0);
    }

    private static string Day(string value) => value.Length > 10 ? value[..10] : value;

    /// <summary>
    /// The typed name is one of the Patient's names: exactly its first given name and its family name, in either order,
    /// nothing more ("Smith Ann Bob" is not Ann Smith).
    /// </summary>
    internal static bool NameMatches(Patient patient, string typed)
    {
        var words = Sorted(Words(typed));
        return patient.Name.Any(n => Words(n.Family ?? "").Any()
            && Sorted(Words(n.Family ?? "").Concat(Words(n.Given.FirstOrDefault() ?? ""))).SequenceEqual(words, StringComparer.Ordinal));
    }

    private static List<string> Sorted(IEnumerable<string> words) => words.Order(StringComparer.Ordinal).ToList();

    /// <summary>Lower-case words without accents: "José O'Brien-Smith" → jose, obrien, smith.</summary>
    private static IEnumerable<string> Words(string text)
    {
        var plain = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark || c is '\'' or '’') continue;
            plain.Append(char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : ' ');
        }
        return plain.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
