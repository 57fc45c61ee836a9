using static Hl7.Fhir.Model.CapabilityStatement;

namespace FhirPortal.Core.Operations;

/// <summary>Declares $everything and Bulk Data $export in the CapabilityStatement, by their official definitions.</summary>
internal static class PatientDataOperations
{
    private const string BulkData = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/";

    public static void Declare(RestComponent rest)
    {
        rest.Operation.Add(new OperationComponent
        {
            Name = "export",
            Definition = BulkData + "export",
            Documentation = "Bulk Data 2.0 system export (Prefer: respond-async). Parameters: _outputFormat (application/fhir+ndjson), " +
                            "_since, _type, _typeFilter. Status at the Content-Location URL; files require the starting client. Every type, AuditEvent included.",
        });
        var patient = rest.Resource.First(r => r.Type == "Patient");
        patient.Operation.Add(new OperationComponent
        {
            Name = "everything",
            Definition = "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            Documentation = "The patient's compartment plus the resources it references outside any patient compartment, each once. " +
                            "Parameters: start, end (clinical date), _since, _type, _count (paged); _download=true returns the whole record as one file. " +
                            "AuditEvents are not returned (the access log is not part of the record: AuditEvent?patient=).",
        });
        patient.Operation.Add(new OperationComponent
        {
            Name = "export",
            Definition = BulkData + "patient-export",
            Documentation = "Bulk Data 2.0 export of every patient's record (compartment plus referenced resources); POST takes patient. " +
                            "AuditEvents only when _type names AuditEvent.",
        });
        rest.Resource.First(r => r.Type == "Group").Operation.Add(new OperationComponent
        {
            Name = "export",
            Definition = BulkData + "group-export",
            Documentation = "Bulk Data 2.0 export of the records of the Group's Patient members. AuditEvents only when _type names AuditEvent.",
        });
    }
}
