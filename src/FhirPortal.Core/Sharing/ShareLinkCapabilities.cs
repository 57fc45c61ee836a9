using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Sharing;

/// <summary>
/// The OperationDefinitions of the patient's share links on Patient ($share-link, $share-links, $share-link-revoke): listed
/// in the CapabilityStatement and stored at start-up through <see cref="FeatureDefinitions"/>.
/// </summary>
public static class ShareLinkCapabilities
{
    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        Definition("share-link", "PatientShareLink", "Create a share link", true,
            "Creates a SMART Health Link to the patient's $summary (only the patient may). The shlink:/ URI is returned once; the server keeps " +
            "only hashes and the wrapped key. Recipients POST the manifest at its url with recipient (and passcode), without an account.",
            [
                In("expires", FHIRAllTypes.Instant, 1, "When the link stops working; at most the configured maximum lifetime away."),
                In("passcode", FHIRAllTypes.String, 0, "A passcode recipients must give (flag P); wrong passcodes are limited."),
                In("maxUses", FHIRAllTypes.Integer, 0, "How many manifest requests the link answers."),
                In("label", FHIRAllTypes.String, 0, "A short description shown to the recipient (at most 80 characters)."),
                In("direct", FHIRAllTypes.Boolean, 0, "Direct mode (flag U): GET [url]?recipient= answers the file itself; not with a passcode."),
                Out("shlink", FHIRAllTypes.String, 1, "The shlink:/ URI to hand to the recipient (as text or QR code)."),
                Out("link", null, 1, "The link as $share-links lists it."),
            ]),
        Definition("share-links", "PatientShareLinks", "List share links", false,
            "The patient's share links, newest first: id, label, status (active, expired, revoked, used-up, locked), created, expires, uses, maxUses, passcode.",
            [Out("link", null, 0, "One per link (parts id, label, status, created, expires, revoked, uses, maxUses, passcode).")]),
        Definition("share-link-revoke", "PatientShareLinkRevoke", "Revoke a share link", true,
            "Stops the link at once: its manifest and pending file locations answer 404.",
            [In("id", FHIRAllTypes.String, 1, "The link's id from $share-link or $share-links."), Out("link", null, 1, "The revoked link.")]),
    ];

    private static OperationDefinition Definition(string code, string name, string title, bool affectsState, string description,
        List<OperationDefinition.ParameterComponent> parameters) => new()
    {
        Id = $"Patient-{code}",
        Url = $"http://fhirportal.org/fhir/OperationDefinition/Patient-{code}",
        Name = name,
        Title = title,
        Status = PublicationStatus.Active,
        Kind = OperationDefinition.OperationKind.Operation,
        Code = code,
        Resource = [ResourceType.Patient],
        System = false,
        Type = false,
        Instance = true,
        AffectsState = affectsState,
        Description = description,
        Parameter = parameters,
    };

    private static OperationDefinition.ParameterComponent In(string name, FHIRAllTypes type, int min, string documentation) =>
        new() { Name = name, Use = OperationParameterUse.In, Min = min, Max = "1", Type = type, Documentation = documentation };

    /// <summary>An out parameter; <paramref name="type"/> null is a <c>link</c> entry with its parts (opd-1: a type or parts).</summary>
    private static OperationDefinition.ParameterComponent Out(string name, FHIRAllTypes? type, int min, string documentation) => new()
    {
        Name = name, Use = OperationParameterUse.Out, Min = min, Max = type is null && min == 0 ? "*" : "1", Type = type, Documentation = documentation,
        Part = type is not null ? [] :
        [
            Part("id", FHIRAllTypes.String, 1, "The link's id (the SHA-256 of its URL's random part), for $share-link-revoke."),
            Part("label", FHIRAllTypes.String, 0, "The label given at creation."),
            Part("status", FHIRAllTypes.Code, 1, "active, expired, revoked, used-up or locked (passcode attempts spent)."),
            Part("created", FHIRAllTypes.Instant, 1, "When the link was created."),
            Part("expires", FHIRAllTypes.Instant, 1, "When the link stops working."),
            Part("revoked", FHIRAllTypes.Instant, 0, "When the patient revoked it."),
            Part("uses", FHIRAllTypes.Integer, 1, "Manifest requests answered so far."),
            Part("maxUses", FHIRAllTypes.Integer, 0, "The most it answers."),
            Part("passcode", FHIRAllTypes.Boolean, 1, "Whether recipients must give a passcode."),
        ],
    };

    private static OperationDefinition.ParameterComponent Part(string name, FHIRAllTypes type, int min, string documentation) =>
        new() { Name = name, Use = OperationParameterUse.Out, Min = min, Max = "1", Type = type, Documentation = documentation };
}
