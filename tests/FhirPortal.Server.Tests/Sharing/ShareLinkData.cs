using System.Buffers.Text;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Sharing;

/// <summary>
/// A secured, audited host on a fake clock with Patients p1 and p2, and the recipient's side of SMART Health Links:
/// decoding a <c>shlink:/</c> URI, asking its manifest without a token, decrypting a JWE with the link's key.
/// </summary>
public sealed class ShareLinkData : IDisposable
{
    public const int PasscodeAttempts = 3;

    public ShareLinkData()
    {
        Clock = new FakeTimeProvider(new DateTimeOffset(2030, 5, 6, 9, 0, 0, TimeSpan.Zero));
        Host = AuditHost.Create(settings: new() { ["FhirPortal:ShareLinks:PasscodeAttempts"] = PasscodeAttempts.ToString() },
            services: s => s.AddSingleton<TimeProvider>(Clock));
        AuditHost.SeedAsync(Host).GetAwaiter().GetResult();
    }

    public FakeTimeProvider Clock { get; }
    public FhirPortalHost Host { get; }

    /// <summary>The patient's own app, signed in as the patient (an absolute <c>fhirUser</c>, as the server issues it).</summary>
    public HttpClient PatientApp(string patient, string scopes = "patient/*.rs") =>
        Host.Client(scopes, "portal-app", patient: patient, fhirUser: $"http://localhost/fhir/Patient/{patient}");

    public void Dispose() => Host.Dispose();

    /// <summary>POSTs Patient/{patient}/$share-link with these parameters (name, FHIR JSON value property, value).</summary>
    public static Task<HttpResponseMessage> CreateAsync(HttpClient client, string patient, params (string Name, string Type, JsonNode Value)[] parameters)
    {
        var body = new JsonObject
        {
            ["resourceType"] = "Parameters",
            ["parameter"] = new JsonArray([.. parameters.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, [p.Type] = p.Value.DeepClone() })]),
        };
        return client.PostAsync($"Patient/{patient}/$share-link", Fhir.Body(body));
    }

    public string In(TimeSpan span) => (Clock.GetUtcNow() + span).ToString("yyyy-MM-ddTHH:mm:ssZ");

    /// <summary>The decoded payload of a <c>shlink:/</c> URI.</summary>
    public static JsonObject Payload(string shlink)
    {
        Assert.StartsWith("shlink:/", shlink);
        return JsonNode.Parse(Base64Url.DecodeFromChars(shlink.AsSpan("shlink:/".Length)))!.AsObject();
    }

    /// <summary>POSTs the manifest request as a recipient with no token.</summary>
    public Task<HttpResponseMessage> ManifestAsync(JsonObject payload, JsonObject request) =>
        Host.CreateClient().PostAsJsonAsync(new Uri((string)payload["url"]!).PathAndQuery, request);

    /// <summary>Decrypts a compact JWE (dir, A256GCM) with the link's key, as a recipient would.</summary>
    public static JsonObject Decrypt(string jwe, JsonObject payload)
    {
        var parts = jwe.Split('.');
        Assert.Equal(5, parts.Length);
        Assert.Equal("", parts[1]);
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!;
        Assert.Equal("dir", (string?)header["alg"]);
        Assert.Equal("A256GCM", (string?)header["enc"]);
        var key = Base64Url.DecodeFromChars((string)payload["key"]!);
        Assert.Equal(32, key.Length);
        var cipher = Base64Url.DecodeFromChars(parts[3]);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(Base64Url.DecodeFromChars(parts[2]), cipher, Base64Url.DecodeFromChars(parts[4]), plain, Encoding.ASCII.GetBytes(parts[0]));
        return JsonNode.Parse(plain)!.AsObject();
    }

    /// <summary>The <c>link</c> entries of a $share-link / $share-links answer, as part name → value text.</summary>
    public static List<Dictionary<string, string>> Links(JsonNode parameters) =>
        [.. (parameters["parameter"]?.AsArray() ?? []).Where(p => (string?)p!["name"] == "link").Select(p => p!["part"]!.AsArray()
            .ToDictionary(part => (string)part!["name"]!, part => part!.AsObject().First(x => x.Key.StartsWith("value")).Value!.ToString()))];
}
