using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// OpenIddict's application manager, plus SMART Backend Services' "JWKS registered as a URL": a client whose
/// <c>jwks_uri</c> property is set gets its keys fetched from there (cached for five minutes) instead of from the store.
/// </summary>
public sealed class JwksUriApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store,
    IServiceProvider services)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store) where TApplication : class
{
    private static readonly ConcurrentDictionary<string, (JsonWebKeySet Keys, DateTimeOffset FetchedAt)> Fetched = new();

    public override async ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(TApplication application, CancellationToken cancellationToken = default)
    {
        var properties = await GetPropertiesAsync(application, cancellationToken);
        if (!properties.TryGetValue(ClientProperties.JwksUri, out var uriElement) || uriElement.GetString() is not { Length: > 0 } uri)
            return await base.GetJsonWebKeySetAsync(application, cancellationToken);

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (Fetched.TryGetValue(uri, out var cached) && now - cached.FetchedAt < TimeSpan.FromMinutes(5)) return cached.Keys;
        try
        {
            var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientProperties.JwksHttpClient);
            var json = await client.GetStringAsync(uri, cancellationToken);
            var keys = new JsonWebKeySet(json);
            Fetched[uri] = (keys, now);
            return keys;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or ArgumentException or TaskCanceledException)
        {
            // Note: an unreachable key URL fails the client's authentication (invalid_client), never the server.
            Logger.LogWarning(e, "Could not fetch the JWKS of a client from {Uri}", uri);
            return null;
        }
    }

    /// <summary>
    /// OpenIddict wants a confidential client to hold a secret or keys; a client whose keys live at its jwks_uri holds
    /// neither in the store, so that one check is waived for it (its keys are checked when it authenticates).
    /// </summary>
    public override async IAsyncEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> ValidateAsync(
        TApplication application, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var properties = await GetPropertiesAsync(application, cancellationToken);
        var hasJwksUri = properties.TryGetValue(ClientProperties.JwksUri, out var uri) && uri.GetString() is { Length: > 0 };
        await foreach (var result in base.ValidateAsync(application, cancellationToken))
        {
            if (hasJwksUri && result.ErrorMessage?.Contains("JSON Web Key Set", StringComparison.Ordinal) == true) continue;
            yield return result;
        }
    }

    /// <summary>Clears fetched key sets (tests that change a client's keys).</summary>
    public static void ClearCache() => Fetched.Clear();

}

/// <summary>Names of the SMART properties stored on an OpenIddict application.</summary>
public static class ClientProperties
{
    public const string JwksUri = "jwks_uri";
    public const string AllowedScopes = "allowed_scopes";
    public const string LaunchUrl = "launch_url";
    public const string JwksHttpClient = "smart-client-jwks";
}
