using FhirPortal.Auth.Scopes;
using Microsoft.AspNetCore.Http;

namespace FhirPortal.Auth.Endpoints;

/// <summary>SMART discovery (App Launch 2.x, conformance.html): GET [base]/.well-known/smart-configuration.</summary>
public static class SmartConfiguration
{
    /// <summary>Only what this server really does; each entry is covered by a flow test.</summary>
    public static readonly string[] Capabilities =
    [
        "launch-ehr", "launch-standalone", "authorize-post",
        "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
        "context-ehr-patient", "context-ehr-encounter", "context-standalone-patient", "context-standalone-encounter",
        // Note: the ONC (g)(10) test kit still asks for the pre-2.0 names of the same two capabilities.
        "context-passthrough-banner", "context-passthrough-style", "context-banner", "context-style",
        "permission-offline", "permission-online", "permission-patient", "permission-user", "permission-v1", "permission-v2",
        "sso-openid-connect",
    ];

    public static IResult Get(HttpContext http)
    {
        var issuer = FhirBase.Issuer(http);
        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = FhirBase.IssuerIdentifier(http),
            ["jwks_uri"] = $"{issuer}/{AuthServiceRegistration.JwksUri}",
            ["authorization_endpoint"] = $"{issuer}/{AuthServiceRegistration.AuthorizeUri}",
            ["token_endpoint"] = $"{issuer}/{AuthServiceRegistration.TokenUri}",
            ["introspection_endpoint"] = $"{issuer}/{AuthServiceRegistration.IntrospectUri}",
            ["revocation_endpoint"] = $"{issuer}/{AuthServiceRegistration.RevokeUri}",
            ["management_endpoint"] = $"{issuer}/auth/apps",
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "private_key_jwt" },
            ["token_endpoint_auth_signing_alg_values_supported"] = new[] { "RS384", "ES384" },
            ["grant_types_supported"] = new[] { "authorization_code", "refresh_token", "client_credentials" },
            ["response_types_supported"] = new[] { "code" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["scopes_supported"] = SmartScopes.Fixed.Concat(["patient/*.rs", "patient/*.cruds", "user/*.rs", "user/*.cruds", "system/*.rs", "system/*.cruds", "patient/*.read", "user/*.read", "system/*.read"]).ToArray(),
            ["capabilities"] = Capabilities,
        });
    }

    /// <summary>The style document behind <c>smart_style_url</c> (App Launch 2.x, "Styling").</summary>
    public static IResult Style() => Results.Json(new Dictionary<string, object>
    {
        ["color_background"] = "#ffffff",
        ["color_error"] = "#b00020",
        ["color_highlight"] = "#005ea2",
        ["color_modal_backdrop"] = "",
        ["color_success"] = "#00a91c",
        ["color_text"] = "#1b1b1b",
        ["dim_border_radius"] = "4px",
        ["dim_font_size"] = "16px",
        ["dim_spacing_size"] = "16px",
        ["font_family_body"] = "system-ui, sans-serif",
        ["font_family_heading"] = "system-ui, sans-serif",
    });
}
