using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth;

/// <summary>
/// rest.security for SMART (App Launch 2.x, conformance.html#using-cors): the SMART-on-FHIR service coding and the
/// oauth-uris extension pointing at this authorization server's endpoints.
/// </summary>
public sealed class SmartCapabilityContributor(IOptions<AuthOptions> options) : ICapabilityStatementContributor
{
    public void Contribute(CapabilityStatement statement, string baseUrl)
    {
        var issuer = options.Value.Issuer?.TrimEnd('/')
            ?? (baseUrl.EndsWith("/fhir", StringComparison.Ordinal) ? baseUrl[..^"/fhir".Length] : baseUrl);
        var oauth = new Extension { Url = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris" };
        oauth.AddExtension("authorize", new FhirUri($"{issuer}/{AuthServiceRegistration.AuthorizeUri}"));
        oauth.AddExtension("token", new FhirUri($"{issuer}/{AuthServiceRegistration.TokenUri}"));
        oauth.AddExtension("introspect", new FhirUri($"{issuer}/{AuthServiceRegistration.IntrospectUri}"));
        oauth.AddExtension("revoke", new FhirUri($"{issuer}/{AuthServiceRegistration.RevokeUri}"));
        oauth.AddExtension("manage", new FhirUri($"{issuer}/auth/apps"));
        foreach (var rest in statement.Rest)
        {
            rest.Security ??= new CapabilityStatement.SecurityComponent();
            rest.Security.Service.Add(new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR", "SMART-on-FHIR"));
            rest.Security.Description ??= "OAuth 2 authorization with SMART App Launch 2.x and SMART Backend Services; discovery at [base]/.well-known/smart-configuration.";
            rest.Security.Extension.Add(oauth);
        }
    }
}
