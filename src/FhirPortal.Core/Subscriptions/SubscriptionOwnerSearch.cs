using FhirPortal.Core.Access;
using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Who owns a Subscription, as server-kept extensions with search parameters: <c>owned-by</c> (the user: <c>Patient/x</c>
/// for a patient's app or patient user, else the fhirUser, else <c>client/{id}</c>) and <c>owner-client</c> (the app).
/// Patient grants are confined by <c>owned-by</c> (<c>PatientLinkedTypes</c>), and the per-owner cap counts by both.
/// </summary>
public static class SubscriptionOwnerSearch
{
    public const string OwnedBy = "owned-by";
    public const string OwnerClient = "owner-client";
    private const string Own = "http://fhirportal.org/fhir/StructureDefinition/";
    public const string OwnedByExtension = Own + "subscription-owned-by";
    public const string OwnerClientExtension = Own + "subscription-owner-client";

    public static IReadOnlyList<SearchParameter> Definitions() =>
    [
        Definition(OwnedBy, OwnedByExtension, "The user who wrote the Subscription: Patient/[id] for a patient's app or patient user, else the fhirUser, else client/[id]."),
        Definition(OwnerClient, OwnerClientExtension, "The client (app) that wrote the Subscription."),
    ];

    /// <summary>
    /// The subscriptions a patient-bound <paramref name="caller"/> reaches for <paramref name="patient"/>: those its user
    /// wrote (<c>owned-by</c>, see <see cref="Of"/>): the patient's side sees only what the patient's side wrote, not a
    /// staff one filtered to the patient; a clinician's app in a patient context sees its user's ones for that patient.
    /// Content without an owner can only be a client's new version before the write rule stamps it (stored ones are
    /// stamped at start-up, <see cref="SubscriptionOwnerUpgrade"/>): it falls back to the patient filter, which the
    /// write rules then hold to the patient.
    /// </summary>
    public static SearchCondition PatientCondition(string patient, Caller caller)
    {
        var user = UserOf(caller, patient);
        SearchCondition owned = new StringCondition(OwnedBy, [user], StringModifier.Exact);
        var filter = SubscriptionFilterSearch.PatientCondition(patient);
        return new AnyOfCondition([
            user == $"Patient/{patient}" ? [owned] : [owned, filter],
            [new MissingCondition(OwnedBy, SearchParamType.String, true), filter],
        ]);
    }

    /// <summary>
    /// The owner a caller's write stamps: the user who wrote it (a patient user, else the fhirUser, else
    /// <paramref name="ownPatient"/> for a patient app without a user, else the client) and the client.
    /// </summary>
    public static (string User, string? Client) Of(Caller caller, string? ownPatient) => (UserOf(caller, ownPatient), caller.ClientId);

    // A clinician's app launched with patient/ scopes writes as the clinician: the patient's own app must not reach it.
    private static string UserOf(Caller caller, string? ownPatient) =>
        CallerAccess.PatientUser(caller.FhirUser) is { } patientUser ? $"Patient/{patientUser}"
        : caller.FhirUser ?? (ownPatient is not null ? $"Patient/{ownPatient}" : caller.ClientId is { } client ? $"client/{client}" : "server");

    /// <summary>The patient a caller is bound to when its Subscription grant is a patient one (a patient app or patient user).</summary>
    public static string? OwnPatient(Caller caller, bool unrestricted)
    {
        if (unrestricted) return null;
        if (CallerAccess.PatientUser(caller.FhirUser) is { } patientUser) return patientUser;
        var grants = SmartScopeParser.ParseAll(caller.Scopes).Where(g => g.Covers("Subscription"));
        return grants.Any(g => g.Context != ScopeContext.Patient) ? null : caller.PatientId;
    }

    public static void Stamp(Subscription subscription, (string User, string? Client) owner)
    {
        subscription.SetExtension(OwnedByExtension, new FhirString(owner.User));
        if (owner.Client is { } client) subscription.SetExtension(OwnerClientExtension, new FhirString(client));
        else subscription.RemoveExtension(OwnerClientExtension);
    }

    /// <summary>Whether <paramref name="s"/> is stamped for <paramref name="owner"/> and requested or active (what <see cref="Live"/> finds).</summary>
    public static bool IsLive(Subscription s, (string User, string? Client) owner) =>
        s.Status is Subscription.SubscriptionStatus.Requested or Subscription.SubscriptionStatus.Active
        && s.GetExtensionValue<FhirString>(OwnedByExtension)?.Value == owner.User
        && s.GetExtensionValue<FhirString>(OwnerClientExtension)?.Value == owner.Client;

    /// <summary>Requested or active subscriptions of this owner other than <paramref name="id"/>.</summary>
    public static SearchQuery Live((string User, string? Client) owner, string id, int count) => new("Subscription",
    [
        new StringCondition(OwnedBy, [owner.User], StringModifier.Exact),
        owner.Client is { } client ? new StringCondition(OwnerClient, [client], StringModifier.Exact) : new MissingCondition(OwnerClient, SearchParamType.String, true),
        new TokenCondition("status", [new TokenMatch(SystemRule.Any, null, "requested"), new TokenMatch(SystemRule.Any, null, "active")]),
        new IdCondition([id], Not: true),
    ], count);

    private static SearchParameter Definition(string code, string extension, string description) => new()
    {
        Id = "subscription-" + code,
        Url = "http://fhirportal.org/fhir/SearchParameter/subscription-" + code,
        Version = "1.0.0",
        Name = "Subscription" + string.Concat(code.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..])),
        Status = PublicationStatus.Active,
        Publisher = "FhirPortal",
        Description = new Markdown(description),
        Code = code,
        Base = [ResourceType.Subscription],
        Type = SearchParamType.String,
        Expression = $"Subscription.extension('{extension}').value",
        XpathUsage = SearchParameter.XPathUsageType.Normal,
    };
}
