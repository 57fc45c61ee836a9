using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations;

/// <summary>Adds what another part of the server provides (e.g. rest.security from the authorization server) to the CapabilityStatement.</summary>
public interface ICapabilityStatementContributor
{
    void Contribute(CapabilityStatement statement, string baseUrl);
}
