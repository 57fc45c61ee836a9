using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace FhirPortal.PatientPortal.Auth;

/// <summary>
/// Calls the server's token (and revocation) endpoint as this confidential client, for the code exchange, refreshes and
/// sign-out alike, with <c>client_secret_basic</c> (the method the server's SMART discovery lists; the OIDC handler itself
/// would post the secret).
/// </summary>
public sealed class TokenEndpointClient(HttpClient http, IOptions<PortalOptions> options)
{
    public async Task<OpenIdConnectMessage> RequestAsync(string tokenEndpoint, IDictionary<string, string> form, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        var o = options.Value;
        // Note: RFC 6749 section 2.3.1: id and secret are form-encoded before Base64.
        var credentials = $"{Uri.EscapeDataString(o.ClientId)}:{Uri.EscapeDataString(o.ClientSecret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        // Revocation (RFC 7009) answers 200 with an empty body.
        if (response.IsSuccessStatusCode && string.IsNullOrWhiteSpace(body)) return new OpenIdConnectMessage();
        OpenIdConnectMessage message;
        try { message = new OpenIdConnectMessage(body); }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException)
        {
            throw new TokenEndpointException($"HTTP {(int)response.StatusCode}", "The token endpoint did not answer with JSON.");
        }
        if (!response.IsSuccessStatusCode || !string.IsNullOrEmpty(message.Error))
            throw new TokenEndpointException(message.Error ?? $"HTTP {(int)response.StatusCode}", message.ErrorDescription);
        return message;
    }
}

/// <summary>The token endpoint refused a request (e.g. <c>invalid_grant</c> for a revoked refresh token).</summary>
public sealed class TokenEndpointException(string error, string? description)
    : Exception($"Token endpoint error {error}: {description}")
{
    public string Error { get; } = error;
}
