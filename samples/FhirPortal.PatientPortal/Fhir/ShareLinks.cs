using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// The patient's SMART Health Links through the server's documented operations: <c>Patient/{id}/$share-link</c>
/// (create; the <c>shlink:/</c> text comes back only then), <c>$share-links</c> (list) and <c>$share-link-revoke</c>.
/// The server checks everything (expiry range, label length, how many active links); refusals surface as
/// <see cref="FhirOperationException"/> with its OperationOutcome.
/// </summary>
public sealed class ShareLinks(PatientRecord record)
{
    private Uri Patient => new(record.PatientReference, UriKind.Relative);

    /// <summary>A new link to the patient's summary; answers the <c>shlink:/</c> text (shown once) and the link's entry.</summary>
    public async Task<(string Shlink, ShareLink Link)> CreateAsync(DateTimeOffset expires, string? passcode, string? label)
    {
        var parameters = new Parameters();
        parameters.Add("expires", new Instant(expires));
        if (!string.IsNullOrEmpty(passcode)) parameters.Add("passcode", new FhirString(passcode));
        if (!string.IsNullOrWhiteSpace(label)) parameters.Add("label", new FhirString(label.Trim()));
        var answer = await RunAsync("share-link", parameters, useGet: false);
        var shlink = (answer.GetSingleValue<FhirString>("shlink")?.Value)
                     ?? throw new InvalidOperationException("$share-link answered without a shlink.");
        return (shlink, Links(answer).Single());
    }

    /// <summary>All of the patient's links, newest first (as the server lists them), with their status.</summary>
    public async Task<List<ShareLink>> ListAsync() => Links(await RunAsync("share-links", null, useGet: true));

    /// <summary>Stops a link at once; answers its entry (status <c>revoked</c>).</summary>
    public async Task<ShareLink> RevokeAsync(string id)
    {
        var parameters = new Parameters();
        parameters.Add("id", new FhirString(id));
        return Links(await RunAsync("share-link-revoke", parameters, useGet: false)).Single();
    }

    private async Task<Parameters> RunAsync(string operation, Parameters? parameters, bool useGet) =>
        await (await record.ClientAsync()).InstanceOperationAsync(Patient, operation, parameters, useGet) as Parameters
        ?? throw new InvalidOperationException($"${operation} answered without Parameters.");

    private static List<ShareLink> Links(Parameters answer) => answer.Parameter.Where(p => p.Name == "link").Select(link =>
    {
        T? Part<T>(string name) where T : DataType => link.Part.FirstOrDefault(p => p.Name == name)?.Value as T;
        return new ShareLink(
            Part<FhirString>("id")?.Value ?? "",
            Part<FhirString>("label")?.Value,
            Part<Code>("status")?.Value ?? "unknown",
            Part<Instant>("created")?.Value,
            Part<Instant>("expires")?.Value,
            Part<Instant>("revoked")?.Value,
            Part<Integer>("uses")?.Value ?? 0,
            Part<Integer>("maxUses")?.Value,
            Part<FhirBoolean>("passcode")?.Value ?? false);
    }).ToList();
}

/// <summary>One share link as <c>$share-links</c> describes it (never its URL or key: the server keeps no copy).</summary>
public sealed record ShareLink(string Id, string? Label, string Status, DateTimeOffset? Created, DateTimeOffset? Expires,
    DateTimeOffset? Revoked, int Uses, int? MaxUses, bool Passcode);
