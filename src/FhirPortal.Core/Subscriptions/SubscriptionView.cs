using FhirPortal.Core.Access;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>How a subscription's notifications carry their focus resources (backport-payload-content).</summary>
public enum PayloadContent { Empty, IdOnly, FullResource }

/// <summary>
/// Reads an R4 Subscription in the backport shape (topic in <c>criteria</c>, filters in <c>_criteria</c>, rest-hook
/// channel) and the server-kept state extensions (<see cref="Backport"/>).
/// </summary>
public static class SubscriptionView
{
    public static string? Topic(Subscription s) => s.Criteria;

    public static IReadOnlyList<string> Filters(Subscription s) =>
        s.CriteriaElement?.Extension.Where(e => e.Url == Backport.FilterCriteria).Select(e => (e.Value as FhirString)?.Value ?? "").ToList() ?? [];

    public static PayloadContent Content(Subscription s) =>
        (s.Channel?.PayloadElement?.GetExtensionValue<Code>(Backport.PayloadContent)?.Value) switch
        {
            "empty" => PayloadContent.Empty,
            "full-resource" => PayloadContent.FullResource,
            _ => PayloadContent.IdOnly,
        };

    public static string ContentCode(PayloadContent content) => content switch
    {
        PayloadContent.Empty => "empty",
        PayloadContent.FullResource => "full-resource",
        _ => "id-only",
    };

    public static TimeSpan? Heartbeat(Subscription s) =>
        s.Channel?.GetExtensionValue<UnsignedInt>(Backport.HeartbeatPeriod)?.Value is { } seconds && seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;

    public static long Count(Subscription s, string url) => long.TryParse(s.GetExtensionValue<FhirString>(url)?.Value, out var n) ? n : 0;

    public static void SetCount(Subscription s, string url, long value) => s.SetExtension(url, new FhirString(value.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static DateTimeOffset? Time(Subscription s, string url) => s.GetExtensionValue<Instant>(url)?.Value;

    public static void SetTime(Subscription s, string url, DateTimeOffset? value)
    {
        if (value is { } v) s.SetExtension(url, new Instant(v.ToUniversalTime()));
        else s.RemoveExtension(url);
    }

    /// <summary>The patient a <c>patient</c> filter names (<c>patient=Patient/1</c> or <c>Type?patient=Patient/1</c>), else null.</summary>
    public static string? FilterPatient(string filter)
    {
        var query = filter[(filter.IndexOf('?') + 1)..];
        return query.StartsWith("patient=", StringComparison.Ordinal) ? query["patient=".Length..] : null;
    }

    /// <summary>The creator's access, stored so deliveries are decided by what the creator may read, not by the server.</summary>
    public static Extension OwnerExtension(Caller caller) => new()
    {
        Url = Backport.Owner,
        Extension =
        [
            .. caller.Scopes.Select(s => new Extension("scope", new FhirString(s))),
            .. Part("patient", caller.PatientId), .. Part("fhirUser", caller.FhirUser), .. Part("client", caller.ClientId),
            .. caller.Unrestricted ? [new Extension("unrestricted", new FhirBoolean(true))] : Array.Empty<Extension>(),
            .. caller.Administrator ? [new Extension("administrator", new FhirBoolean(true))] : Array.Empty<Extension>(),
            .. Part("organization", caller.Organization?.Id), .. Part("organizationKind", caller.Organization?.Kind.ToString()),
            .. Part("subject", caller.Subject), .. Part("authorization", caller.AuthorizationId),
        ],
    };

    /// <summary>The stored creator's access; <see cref="Caller.Nobody"/> (sees nothing) when missing.</summary>
    public static Caller Owner(Subscription s)
    {
        if (s.GetExtension(Backport.Owner) is not { } owner) return Caller.Nobody;
        string? Get(string name) => (owner.GetExtensionValue<FhirString>(name))?.Value;
        return new Caller([.. owner.Extension.Where(e => e.Url == "scope").Select(e => (e.Value as FhirString)?.Value).OfType<string>()], Get("patient"), null, Get("fhirUser"), Get("client"))
        {
            Unrestricted = owner.GetExtensionValue<FhirBoolean>("unrestricted")?.Value == true,
            Administrator = owner.GetExtensionValue<FhirBoolean>("administrator")?.Value == true,
            // An organization account's subscription sees only its organization's data, as the account does.
            Organization = Get("organization") is { } org && Enum.TryParse<OrganizationKind>(Get("organizationKind"), out var kind) ? new OrganizationAccess(org, kind) : null,
            Subject = Get("subject"),
            AuthorizationId = Get("authorization"),
        };
    }

    private static IEnumerable<Extension> Part(string name, string? value) => value is null ? [] : [new Extension(name, new FhirString(value))];
}
