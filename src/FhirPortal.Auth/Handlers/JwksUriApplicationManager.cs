using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// OpenIddict's application manager, plus SMART Backend Services' "JWKS registered as a URL": a client whose
/// <c>jwks_uri</c> property is set gets its keys fetched from there (<see cref="ClientJwksCache"/>) instead of from the store;
/// and the choice of keys a client assertion is verified with (<see cref="IClientAssertionKeys"/>).
/// </summary>
public sealed class JwksUriApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store,
    IServiceProvider services)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store), IClientAssertionKeys where TApplication : class
{
    public override async ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(TApplication application, CancellationToken cancellationToken = default) =>
        await RegisteredJwksUriAsync(application, cancellationToken) is { } uri
            ? await services.GetRequiredService<ClientJwksCache>().GetAsync(uri, refresh: false, cancellationToken)
            : await base.GetJsonWebKeySetAsync(application, cancellationToken);

    /// <summary>
    /// The keys a client assertion may be verified with (SMART Backend Services, "Signature verification"): a <c>jku</c>
    /// header must be the client's registered JWKS URL; a <c>kid</c> must name one of the client's keys (a URL-registered
    /// set is fetched again once when it lacks the kid); without a <c>kid</c> only a client with a single key qualifies.
    /// An empty list fails the signature check, which is answered <c>invalid_client</c>.
    /// </summary>
    public async ValueTask<IReadOnlyList<SecurityKey>> ResolveAssertionKeysAsync(string clientId, string? kid, string? jku, CancellationToken cancellationToken)
    {
        if (await FindByClientIdAsync(clientId, cancellationToken) is not { } application) return [];
        var uri = await RegisteredJwksUriAsync(application, cancellationToken);
        if (jku is not null && !string.Equals(jku, uri, StringComparison.Ordinal)) return [];
        var keys = (await GetJsonWebKeySetAsync(application, cancellationToken))?.GetSigningKeys() ?? [];
        if (kid is null) return keys.Count == 1 ? [.. keys] : [];
        var matching = keys.Where(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal)).ToList();
        if (matching.Count > 0 || uri is null) return matching;
        keys = (await services.GetRequiredService<ClientJwksCache>().GetAsync(uri, refresh: true, cancellationToken))?.GetSigningKeys() ?? [];
        return [.. keys.Where(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal))];
    }

    private async ValueTask<string?> RegisteredJwksUriAsync(TApplication application, CancellationToken cancellationToken)
    {
        var properties = await GetPropertiesAsync(application, cancellationToken);
        return properties.TryGetValue(ClientProperties.JwksUri, out var uri) && uri.GetString() is { Length: > 0 } value ? value : null;
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

}

/// <summary>Chooses the keys a client assertion may be verified with (implemented by the application manager).</summary>
public interface IClientAssertionKeys
{
    ValueTask<IReadOnlyList<SecurityKey>> ResolveAssertionKeysAsync(string clientId, string? kid, string? jku, CancellationToken cancellationToken);
}

/// <summary>Names of the SMART properties stored on an OpenIddict application.</summary>
public static class ClientProperties
{
    public const string JwksUri = "jwks_uri";
    public const string AllowedScopes = "allowed_scopes";
    public const string LaunchUrl = "launch_url";
    public const string JwksHttpClient = "smart-client-jwks";
}
