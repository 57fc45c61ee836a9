using Hl7.Fhir.Model;
using Use = Hl7.Fhir.Model.OperationParameterUse;

namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// The OperationDefinition of the system-level <c>$import</c> (the Microsoft FHIR server's Parameters shape), listed in the
/// CapabilityStatement and stored at start-up through <see cref="FeatureDefinitions"/>.
/// </summary>
public static class ImportCapabilities
{
    public const string Url = "http://fhirportal.org/fhir/OperationDefinition/import";

    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        new()
        {
            Id = "import",
            Url = Url,
            Name = "Import",
            Title = "Bulk Data import of NDJSON files",
            Status = PublicationStatus.Active,
            Kind = OperationDefinition.OperationKind.Operation,
            Code = "import",
            System = true,
            Type = false,
            Instance = false,
            AffectsState = true,
            Description =
                "Loads NDJSON files as a background job (Prefer: respond-async; 202 and the status URL in Content-Location; DELETE on it " +
                "stops the job). Each line is created or updated with its own id (like PUT), validated as a normal write unless validate " +
                "is false, and committed in batches with write rules and search indexing. Rejected lines go to an error file, one " +
                "OperationOutcome per line naming the input and line number. Inputs: file: URLs (or relative paths) under " +
                "FhirPortal:Import:Root, or http(s) URLs of hosts on FhirPortal:Import:AllowedHosts. Needs a system/ scope that may " +
                "update every type (system/*.cud, system/*.write) or an administrator.",
            Parameter =
            [
                In("inputFormat", FHIRAllTypes.String, "application/fhir+ndjson", min: 1),
                In("inputSource", FHIRAllTypes.Uri, "Where the files come from (recorded only)."),
                In("mode", FHIRAllTypes.String, "InitialLoad or IncrementalLoad: both create or update with the files' ids."),
                In("validate", FHIRAllTypes.Boolean, "false turns write-time validation off for this job (default FhirPortal:Import:Validate, true)."),
                new()
                {
                    Name = "input", Use = Use.In, Min = 1, Max = "*", Documentation = "One NDJSON file; inputs are imported in the order given.",
                    Part =
                    [
                        In("type", FHIRAllTypes.String, "The resource type of every line.", min: 1),
                        In("url", FHIRAllTypes.Uri, "file: URL or path under the import root, or an http(s) URL of an allowed host.", min: 1),
                    ],
                },
            ],
        },
    ];

    private static OperationDefinition.ParameterComponent In(string name, FHIRAllTypes type, string documentation, int min = 0) =>
        new() { Name = name, Use = Use.In, Min = min, Max = "1", Type = type, Documentation = documentation };
}
