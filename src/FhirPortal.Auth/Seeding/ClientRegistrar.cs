using System.Text.Json;
using FhirPortal.Auth.Handlers;
using FhirPortal.Auth.Scopes;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Seeding;

/// <summary>Creates or updates an OpenIddict application from a <see cref="ClientRegistration"/> (idempotent by client id).</summary>
public sealed class ClientRegistrar(IOpenIddictApplicationManager applications)
{
    public async Task<bool> UpsertAsync(ClientRegistration client, CancellationToken ct)
    {
        var descriptor = Describe(client);
        var existing = await applications.FindByClientIdAsync(client.ClientId, ct);
        if (existing is null) { await applications.CreateAsync(descriptor, ct); return true; }
        await applications.PopulateAsync(existing, descriptor, ct);
        if (!string.IsNullOrEmpty(client.ClientSecret)) await applications.UpdateAsync(existing, client.ClientSecret, ct);
        else await applications.UpdateAsync(existing, ct);
        return false;
    }

    /// <summary>What is wrong with a registration, or null.</summary>
    public static string? Problem(ClientRegistration client)
    {
        if (string.IsNullOrWhiteSpace(client.ClientId)) return "clientId is required.";
        foreach (var uri in client.RedirectUris)
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !string.IsNullOrEmpty(parsed.Fragment)) return $"Redirect URI '{uri}' must be absolute without a fragment.";
        if (client.JwksUri is { } jwksUri && !Uri.TryCreate(jwksUri, UriKind.Absolute, out _)) return "jwksUri must be an absolute URL.";
        if (client.Jwks is { } jwks)
        {
            try { _ = new JsonWebKeySet(jwks); }
            catch (ArgumentException) { return "jwks is not a JSON Web Key Set."; }
        }
        if (client.RedirectUris.Count == 0 && !IsConfidential(client)) return "A client without redirect URIs must be confidential (secret or keys).";
        var invalid = client.AllowedScopes.Where(s => !SmartScopes.IsValid(s) && s is not ("patient/*" or "user/*" or "system/*")).ToList();
        return invalid.Count > 0 ? $"Unknown scopes: {string.Join(' ', invalid)}" : null;
    }

    public static bool IsConfidential(ClientRegistration c) =>
        !string.IsNullOrEmpty(c.ClientSecret) || !string.IsNullOrEmpty(c.Jwks) || !string.IsNullOrEmpty(c.JwksUri);

    private static OpenIddictApplicationDescriptor Describe(ClientRegistration client)
    {
        var confidential = IsConfidential(client);
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            DisplayName = client.DisplayName ?? client.ClientId,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            ConsentType = ConsentTypes.Explicit,
            ClientSecret = client.ClientSecret,
            JsonWebKeySet = string.IsNullOrEmpty(client.Jwks) ? null : new JsonWebKeySet(client.Jwks),
        };
        foreach (var uri in client.RedirectUris) descriptor.RedirectUris.Add(new Uri(uri));
        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation]);
        if (client.RedirectUris.Count > 0)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }
        if (confidential) descriptor.Permissions.UnionWith([Permissions.GrantTypes.ClientCredentials, Permissions.Endpoints.Introspection]);
        descriptor.Properties[ClientProperties.AllowedScopes] = JsonSerializer.SerializeToElement(client.AllowedScopes);
        if (client.JwksUri is { Length: > 0 }) descriptor.Properties[ClientProperties.JwksUri] = JsonSerializer.SerializeToElement(client.JwksUri);
        if (client.LaunchUrl is { Length: > 0 }) descriptor.Properties[ClientProperties.LaunchUrl] = JsonSerializer.SerializeToElement(client.LaunchUrl);
        return descriptor;
    }

    /// <summary>The scopes an application was registered with.</summary>
    public static async Task<List<string>> AllowedScopesAsync(IOpenIddictApplicationManager applications, object application, CancellationToken ct)
    {
        var properties = await applications.GetPropertiesAsync(application, ct);
        return properties.TryGetValue(ClientProperties.AllowedScopes, out var element) && element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Select(e => e.GetString()!).ToList()
            : [];
    }
}
