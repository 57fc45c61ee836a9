using System.Net.Http.Headers;
using System.Text;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>
/// Bodies no endpoint may accept or crash on, and every endpoint that reads a body: the bad-input tests send each
/// body to each endpoint. Bodies are bytes, so they can be what no C# string can hold (Latin-1, broken UTF-8).
/// </summary>
public static class BadBodyCorpus
{
    private const string Json = "application/fhir+json";
    private const string Xml = "application/fhir+xml";

    /// <summary>An endpoint that takes a FHIR body; p0 is an existing Patient.</summary>
    public sealed record Endpoint(string Method, string Url, string? Prefer = null);

    public static readonly Endpoint[] Endpoints =
    [
        new("POST", "Patient"),
        new("PUT", "Patient/p1"),
        new("PUT", "Patient?identifier=http://example.org|1"),
        new("PATCH", "Patient/p0"),
        new("PATCH", "Patient?identifier=http://example.org|0"),
        new("POST", ""),
        new("POST", "Patient/$validate"),
        new("POST", "Patient/p0/$everything"),
        new("POST", "Patient/$everything"),
        new("POST", "$export", "respond-async"),
    ];

    public static readonly Dictionary<string, (byte[] Bytes, string MediaType)> Bodies = new()
    {
        ["JSON array root"] = (Utf8("[]"), Json),
        ["JSON string root"] = (Utf8("\"Patient\""), Json),
        ["JSON number root"] = (Utf8("42"), Json),
        ["JSON true root"] = (Utf8("true"), Json),
        ["JSON null root"] = (Utf8("null"), Json),
        ["JSON Patch sent as FHIR JSON"] = (Utf8("""[{"op":"replace","path":"/active","value":false}]"""), Json),
        ["Latin-1 Müller"] = (Latin1("""{"resourceType":"Patient","name":[{"family":"Müller"}]}"""), Json),
        ["overlong UTF-8"] = ([.. Utf8("""{"resourceType":"Patient","name":[{"family":"a"""), 0xC0, 0xAF, .. Utf8("\"}]}")], Json),
        ["lone high surrogate"] = (Utf8("""{"resourceType":"Patient","name":[{"family":"a\ud800b"}]}"""), Json),
        ["lone low surrogate"] = (Utf8("""{"resourceType":"Patient","name":[{"family":"\udc00"}]}"""), Json),
        ["NUL in a string"] = (Utf8("""{"resourceType":"Patient","name":[{"family":"a\u0000b"}]}"""), Json),
        ["control character in a string"] = (Utf8("""{"resourceType":"Patient","name":[{"given":["x","a\u001Fb"]}]}"""), Json),
        ["resourceType DomainResource"] = (Utf8("""{"resourceType":"DomainResource","id":"a"}"""), Json),
        ["resourceType Resource"] = (Utf8("""{"resourceType":"Resource"}"""), Json),
        ["abstract contained resource"] = (Utf8("""{"resourceType":"Patient","contained":[{"resourceType":"DomainResource","id":"c"}]}"""), Json),
        ["abstract Bundle entry"] = (Utf8("""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Resource"},"request":{"method":"POST","url":"Patient"}}]}"""), Json),
        ["abstract Parameters resource"] = (Utf8("""{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"DomainResource"}}]}"""), Json),
        ["XML DomainResource"] = (Utf8("""<DomainResource xmlns="http://hl7.org/fhir"><id value="a"/></DomainResource>"""), Xml),
        ["XML abstract contained resource"] = (Utf8("""<Patient xmlns="http://hl7.org/fhir"><contained><Resource><id value="c"/></Resource></contained></Patient>"""), Xml),
        ["XML control character"] = (Utf8("""<Patient xmlns="http://hl7.org/fhir"><name><family value="a&#1;b"/></name></Patient>"""), Xml),
        ["XML Latin-1 without declaration"] = (Latin1("""<Patient xmlns="http://hl7.org/fhir"><name><family value="Müller"/></name></Patient>"""), Xml),
        ["XML surrogate character reference"] = (Utf8("""<Patient xmlns="http://hl7.org/fhir"><name><family value="&#xD800;"/></name></Patient>"""), Xml),
    };

    public static TheoryData<string> BodyNames() => [.. Bodies.Keys];

    public static HttpRequestMessage Request(Endpoint endpoint, string body)
    {
        var (bytes, mediaType) = Bodies[body];
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Url) { Content = content };
        if (endpoint.Prefer is not null) request.Headers.TryAddWithoutValidation("Prefer", endpoint.Prefer);
        return request;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);
}
