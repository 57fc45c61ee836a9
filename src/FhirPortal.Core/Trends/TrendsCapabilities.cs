using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;
using Use = Hl7.Fhir.Model.OperationParameterUse;

namespace FhirPortal.Core.Trends;

/// <summary>
/// The OperationDefinitions of health trends (Observation/$lastn and $stats, derived from R4's definitions of the same name): listed in the CapabilityStatement and stored at start-up through
/// <see cref="FeatureDefinitions"/> (<c>[base]/OperationDefinition/{id}</c>).
/// </summary>
public static class TrendsCapabilities
{
    private const string CanonicalBase = "http://fhirportal.org/fhir/OperationDefinition/";

    /// <summary>The two OperationDefinitions (R4 operationdefinition.html).</summary>
    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        Definition("lastn", "Last N Observations", "http://hl7.org/fhir/OperationDefinition/Observation-lastn",
            "For each distinct code (system and code), the max most recent Observations by effective date, as a searchset Bundle. " +
            "Takes every Observation search parameter (patient, subject, category, code, date, status, ...); with a patient's access " +
            "token, patient or subject is required and must be that patient. With code, each listed code is one group; otherwise " +
            "the group is each Observation's first code.coding.",
            In("max", FHIRAllTypes.PositiveInt, "How many Observations per code (default 1)."),
            Search("patient", SearchParamType.Reference, "The patient (Patient/[id] or [id])."),
            Search("subject", SearchParamType.Reference, "The subject (Patient/[id], Group/[id], ...)."),
            Search("category", SearchParamType.Token, "Observation.category (system|code), e.g. vital-signs."),
            Search("code", SearchParamType.Token, "Observation.code (system|code); comma-separate for several."),
            Out("return", FHIRAllTypes.Bundle, "Searchset Bundle, grouped by code, newest first within a code.")),
        Definition("stats", "Observation Statistics", "http://hl7.org/fhir/OperationDefinition/Observation-stats",
            "Statistics over a subject's numeric Observations per code: valueQuantity, each component under its own code " +
            "(85354-9 gives 8480-6 and 8462-4) and each sample of valueSampledData (timed by period, one series per dimension). " +
            "Values are converted with UCUM to the unit of the most recent value (kg and [lb_av], Cel and [degF]); units UCUM " +
            "cannot relate (mg/dL and mmol/L) are separate series. entered-in-error Observations never count. std-dev and " +
            "variance are sample statistics (n - 1). Answers Parameters: one statistic Observation per series with a component per statistic.",
            InMin("subject", FHIRAllTypes.Uri, 1, "1", "The subject, e.g. Patient/123."),
            In("code", FHIRAllTypes.String, "Codes in Observation.code or component.code (with system); comma-separate or repeat.", "*"),
            In("system", FHIRAllTypes.Uri, "The system of code."),
            In("coding", FHIRAllTypes.Coding, "A code as system|code; repeat for several.", "*"),
            In("duration", FHIRAllTypes.Decimal, "The window: this many days back from now."),
            In("period", FHIRAllTypes.Period, "The window: a Period, or start/end in a GET (either may be empty)."),
            InMin("statistic", FHIRAllTypes.Code, 1, "*", "count, minimum, maximum, average, median, std-dev, variance, sum " +
                "(observation-statistics), first, last (" + Statistic.OwnSystem + "); also mean, min, max, stddev."),
            new() { Name = "statistic", Use = Use.Out, Min = 0, Max = "*", Type = FHIRAllTypes.Observation, Documentation = "One Observation per code (and unit family)." }),
    ];

    private static OperationDefinition Definition(string code, string title, string basedOn, string description, params OperationDefinition.ParameterComponent[] parameters) => new()
    {
        Id = "Observation-" + code,
        Url = CanonicalBase + "Observation-" + code,
        Name = "Observation" + char.ToUpperInvariant(code[0]) + code[1..],
        Title = title,
        Status = PublicationStatus.Active,
        Kind = OperationDefinition.OperationKind.Operation,
        Code = code,
        Base = basedOn,
        Resource = [ResourceType.Observation],
        System = false,
        Type = true,
        Instance = false,
        AffectsState = false,
        Description = description,
        Parameter = [.. parameters],
    };

    private static OperationDefinition.ParameterComponent In(string name, FHIRAllTypes type, string documentation, string max = "1") =>
        InMin(name, type, 0, max, documentation);

    private static OperationDefinition.ParameterComponent InMin(string name, FHIRAllTypes type, int min, string max, string documentation) =>
        new() { Name = name, Use = Use.In, Min = min, Max = max, Type = type, Documentation = documentation };

    private static OperationDefinition.ParameterComponent Search(string name, SearchParamType type, string documentation) =>
        new() { Name = name, Use = Use.In, Min = 0, Max = "*", Type = FHIRAllTypes.String, SearchType = type, Documentation = documentation };

    private static OperationDefinition.ParameterComponent Out(string name, FHIRAllTypes type, string documentation) =>
        new() { Name = name, Use = Use.Out, Min = 1, Max = "1", Type = type, Documentation = documentation };
}
