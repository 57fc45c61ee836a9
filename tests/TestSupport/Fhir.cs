using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests;

/// <summary>Small helpers for FHIR JSON over HttpClient.</summary>
public static class Fhir
{
    public const string Json = "application/fhir+json";

    public static StringContent Body(string json, string mediaType = Json) =>
        new(json, Encoding.UTF8, MediaTypeHeaderValue.Parse(mediaType));

    public static StringContent Body(JsonNode json) => Body(json.ToJsonString());

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())
        ?? throw new InvalidOperationException("The response body was empty.");

    /// <summary>Sends a request with optional headers (e.g. If-Match, Prefer).</summary>
    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return client.SendAsync(request);
    }
}
