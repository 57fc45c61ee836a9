using FhirPortal.Auth.Handlers;
using FhirPortal.Auth.Seeding;
using Microsoft.AspNetCore.Http;
using OpenIddict.Abstractions;

namespace FhirPortal.Auth.Endpoints;

/// <summary>Client registration for admins: POST /auth/admin/clients (create or update by client id), GET lists them.</summary>
public static class ClientAdminApi
{
    public static async Task<IResult> Register(ClientRegistration client, ClientRegistrar registrar, HttpContext http)
    {
        if (ClientRegistrar.Problem(client) is { } problem) return Results.BadRequest(new { error = problem });
        bool created;
        try { created = await registrar.UpsertAsync(client, http.RequestAborted); }
        catch (OpenIddictExceptions.ValidationException e)
        {
            return Results.BadRequest(new { error = string.Join(" ", e.Results.Select(r => r.ErrorMessage)) });
        }
        var body = new { clientId = client.ClientId, type = ClientRegistrar.IsConfidential(client) ? "confidential" : "public" };
        return created ? Results.Created($"/auth/admin/clients/{Uri.EscapeDataString(client.ClientId)}", body) : Results.Ok(body);
    }

    public static async Task<IResult> List(IOpenIddictApplicationManager applications, HttpContext http)
    {
        var result = new List<object>();
        await foreach (var application in applications.ListAsync(cancellationToken: http.RequestAborted))
        {
            var properties = await applications.GetPropertiesAsync(application);
            result.Add(new
            {
                clientId = await applications.GetClientIdAsync(application),
                displayName = await applications.GetDisplayNameAsync(application),
                type = await applications.GetClientTypeAsync(application),
                redirectUris = await applications.GetRedirectUrisAsync(application),
                allowedScopes = await ClientRegistrar.AllowedScopesAsync(applications, application, http.RequestAborted),
                launchUrl = properties.TryGetValue(ClientProperties.LaunchUrl, out var launch) ? launch.GetString() : null,
            });
        }
        return Results.Ok(result);
    }
}
