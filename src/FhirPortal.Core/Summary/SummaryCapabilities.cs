using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Summary;

/// <summary>Declares Patient/$summary by the IPS OperationDefinition, with this server's download parameter.</summary>
public sealed class SummaryCapabilities : ICapabilityStatementContributor
{
    public const string Definition = "http://hl7.org/fhir/uv/ips/OperationDefinition/summary";

    public void Contribute(CapabilityStatement statement, string baseUrl)
    {
        foreach (var patient in statement.Rest.SelectMany(r => r.Resource).Where(r => r.Type == "Patient"))
            patient.Operation.Add(new CapabilityStatement.OperationComponent
            {
                Name = "summary",
                Definition = Definition,
                Documentation = "The patient's International Patient Summary as a document Bundle (Composition 60591-5; problems, medications, " +
                                "allergies always, with emptyReason when empty; immunizations, results, vital signs, procedures when present). " +
                                "_download=pdf|html returns a readable file, _download=true the Bundle as a file.",
            });
    }
}
