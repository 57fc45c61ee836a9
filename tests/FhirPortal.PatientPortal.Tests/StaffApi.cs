using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>
/// The care team's side of the flows, through the server's public API as a SMART backend client (client_credentials,
/// <c>system/*</c>): it seeds prescriptions, forms and assignments and writes staff replies, as a hospital system would.
/// </summary>
public sealed class StaffApi : IDisposable
{
    private readonly HttpClient _http;

    private StaffApi(HttpClient http) => _http = http;

    public static async Task<StaffApi> ConnectAsync(PortalTestHosts hosts)
    {
        using var tokenClient = new HttpClient();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{PortalTestHosts.StaffClientId}:{PortalTestHosts.StaffClientSecret}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hosts.ServerRoot, "connect/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "system/*.cruds" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        using var response = await tokenClient.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, "staff token: " + body);
        var http = new HttpClient { BaseAddress = new Uri(hosts.FhirBase.TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)JsonNode.Parse(body)!["access_token"]!);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        return new StaffApi(http);
    }

    public async Task<JsonNode> GetAsync(string url) => await ExpectAsync(await _http.GetAsync(url), HttpStatusCode.OK);

    public async Task<JsonNode> CreateAsync(JsonNode resource) =>
        await ExpectAsync(await _http.PostAsync((string)resource["resourceType"]!, FhirPortal.Server.Tests.Fhir.Body(resource)), HttpStatusCode.Created);

    public async Task<JsonNode> UpdateAsync(JsonNode resource) =>
        await ExpectAsync(await _http.PutAsync($"{resource["resourceType"]}/{resource["id"]}", FhirPortal.Server.Tests.Fhir.Body(resource)), HttpStatusCode.OK, HttpStatusCode.Created);

    /// <summary>The resources of a search's first page.</summary>
    public async Task<List<JsonNode>> SearchAsync(string query) =>
        [.. ((await GetAsync(query))["entry"]?.AsArray() ?? []).Select(e => e!["resource"]!)];

    private static async Task<JsonNode> ExpectAsync(HttpResponseMessage response, params HttpStatusCode[] expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected.Contains(response.StatusCode), $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    public void Dispose() => _http.Dispose();
}
