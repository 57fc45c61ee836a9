using System.Net.Http.Headers;
using FhirPortal.PatientPortal.Auth;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// The signed-in patient's record on the FHIR server: Firely's <see cref="FhirClient"/> with the session's access token
/// (already refreshed when needed by <see cref="TokenRefresher"/>), and the launch patient's id. One per request.
/// </summary>
public sealed class PatientRecord(IHttpContextAccessor http, IHttpClientFactory clients, IOptions<PortalOptions> options) : IDisposable
{
    public const string HttpClientName = "fhir";

    private FhirClient? _client;

    /// <summary>The launch patient (the token response's <c>patient</c>).</summary>
    public string PatientId => http.HttpContext!.User.FindFirst(SmartAuthentication.PatientClaim)?.Value
                               ?? throw new InvalidOperationException("No patient in the session.");

    public string PatientReference => "Patient/" + PatientId;

    public async Task<FhirClient> ClientAsync()
    {
        if (_client is not null) return _client;
        var httpClient = await AuthorizedHttpClientAsync();
        _client = new FhirClient(options.Value.FhirBaseUrl, httpClient, new FhirClientSettings
        {
            PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false,
        });
        return _client;
    }

    /// <summary>A plain HTTP client with the bearer token, for streaming what FhirClient would parse (the record download).</summary>
    public async Task<HttpClient> AuthorizedHttpClientAsync()
    {
        var token = await http.HttpContext!.GetTokenAsync("access_token") ?? throw new InvalidOperationException("No access token in the session.");
        var client = clients.CreateClient(HttpClientName);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>All resources of type <typeparamref name="T"/> in a search's first page (the portal asks for small pages).</summary>
    public async Task<List<T>> SearchAsync<T>(params string[] criteria) where T : Resource, new()
    {
        var bundle = await (await ClientAsync()).SearchAsync<T>(criteria);
        return bundle?.Entry.Select(e => e.Resource).OfType<T>().ToList() ?? [];
    }

    /// <summary>How many resources match a search (<c>_summary=count</c>: the server counts, no entries come back).</summary>
    public async Task<int> CountAsync<T>(params string[] criteria) where T : Resource, new()
    {
        var bundle = await (await ClientAsync()).SearchAsync<T>([.. criteria, "_summary=count"]);
        return bundle?.Total ?? 0;
    }

    public void Dispose() => _client?.Dispose();
}
