using Hl7.Fhir.Model;

namespace FhirPortal.DataGen.Generation;

/// <summary>Code systems and the coded concepts the generator uses (LOINC, SNOMED CT, RxNorm, UCUM, HL7 terminology).</summary>
public static class Codes
{
    public const string Loinc = "http://loinc.org", Snomed = "http://snomed.info/sct", RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    public const string Ucum = "http://unitsofmeasure.org", Cpt = "http://www.ama-assn.org/go/cpt", Icd10 = "http://hl7.org/fhir/sid/icd-10-cm";
    public const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string Interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    public const string MessageCategory = "http://fhirportal.org/fhir/CodeSystem/portal-message-category";
    public const string PortalProfile = "http://fhirportal.org/fhir/StructureDefinition/";

    public static CodeableConcept Concept(string system, string code, string display) => new(system, code, display, display);

    public static Coding Coding(string system, string code, string display) => new(system, code, display);

    /// <summary>A lab or vital-sign analyte: LOINC code, UCUM unit, typical mean/SD and reference range.</summary>
    public sealed record Analyte(string Code, string Display, string Unit, double Mean, double Sd, double Low, double High, int Decimals);

    public static readonly Analyte Systolic = new("8480-6", "Systolic blood pressure", "mm[Hg]", 128, 14, 90, 130, 0);
    public static readonly Analyte Diastolic = new("8462-4", "Diastolic blood pressure", "mm[Hg]", 80, 9, 60, 85, 0);
    public static readonly Analyte HeartRate = new("8867-4", "Heart rate", "/min", 74, 9, 60, 100, 0);
    public static readonly Analyte Weight = new("29463-7", "Body weight", "kg", 80, 14, 0, 0, 1);
    public static readonly Analyte BloodGlucose = new("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", 118, 28, 70, 140, 0);

    /// <summary>A laboratory panel: the DiagnosticReport's code and the Observations it holds.</summary>
    public sealed record Panel(string Code, string Display, Analyte[] Results);

    public static readonly Panel[] Panels =
    [
        new("51990-0", "Basic metabolic panel - Blood", [
            new("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 104, 22, 70, 99, 0),
            new("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.95, 0.2, 0.6, 1.3, 2),
            new("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 140, 2.5, 135, 145, 0),
            new("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 4.2, 0.4, 3.5, 5.1, 1),
        ]),
        new("57698-3", "Lipid panel with direct LDL - Serum or Plasma", [
            new("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", 195, 35, 0, 200, 0),
            new("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", 52, 12, 40, 200, 0),
            new("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", "mg/dL", 118, 30, 0, 130, 0),
            new("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL", 145, 45, 0, 150, 0),
        ]),
        new("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", [
            new("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 6.1, 0.9, 4.0, 5.6, 1),
        ]),
    ];

    /// <summary>A chronic medication and the condition it treats.</summary>
    public sealed record Drug(string Code, string Display, string Dose, string ReasonCode, string ReasonDisplay);

    public static readonly Drug[] Drugs =
    [
        new("314076", "lisinopril 10 MG Oral Tablet", "Take 1 tablet by mouth once daily", "59621000", "Essential hypertension"),
        new("197361", "amlodipine 5 MG Oral Tablet", "Take 1 tablet by mouth once daily", "59621000", "Essential hypertension"),
        new("860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet", "Take 1 tablet by mouth daily with the evening meal", "44054006", "Diabetes mellitus type 2"),
        new("259255", "atorvastatin 80 MG Oral Tablet", "Take 1 tablet by mouth at bedtime", "55822004", "Hyperlipidemia"),
    ];

    public static readonly (string Code, string Display, decimal Price)[] VisitServices =
    [
        ("99213", "Office or other outpatient visit, established patient, low complexity", 135m),
        ("99214", "Office or other outpatient visit, established patient, moderate complexity", 190m),
        ("99396", "Periodic comprehensive preventive medicine, established patient, 40-64 years", 240m),
    ];
}
