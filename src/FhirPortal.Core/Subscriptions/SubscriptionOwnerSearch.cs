using FhirPortal.Core.Access;
using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Who owns a Subscription, as server-kept extensions with search parameters: <c>owned-by</c> (the user: <c>Patient/x</c>
/// for a patient's app or patient user, else the fhirUser, else <c>client/{id}</c>) and <c>owner-client</c> (the app).
/// Patient grants are confined by <c>owned-by</c> (<see cref="PatientLinkedTypes"/>), and the per-owner cap counts by both.
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
    /// A patient's subscriptions: those its patient side wrote (<c>owned-by</c> <c>Patient/{patient}</c>), not a staff
    /// one filtered to the patient. Content without an owner (a client's new version, before the write rule stamps it)
    /// falls back to the patient filter, which the write rules then hold to the patient.
    /// </summary>
    public static SearchCondition PatientCondition(string patient) => new AnyOfCondition([
        [new StringCondition(OwnedBy, [$"Patient/{patient}"], StringModifier.Exact)],
        [new MissingCondition(OwnedBy, SearchParamType.String, true), SubscriptionFilterSearch.PatientCondition(patient)],
    ]);

    /// <summary>The owner a caller's write stamps: the user (<paramref name="ownPatient"/> for patient grants) and client.</summary>
    public static (string User, string? Client) Of(Caller caller, string? ownPatient) =>
        (ownPatient is not null ? $"Patient/{ownPatient}"
            : caller.FhirUser ?? (caller.ClientId is { } client ? $"client/{client}" : "server"), caller.ClientId);

    public static void Stamp(Subscription subscription, (string User, string? Client) owner)
    {
        subscription.SetExtension(OwnedByExtension, new FhirString(owner.User));
        if (owner.Client is { } client) subscription.SetExtension(OwnerClientExtension, new FhirString(client));
        else subscription.RemoveExtension(OwnerClientExtension);
    }

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
