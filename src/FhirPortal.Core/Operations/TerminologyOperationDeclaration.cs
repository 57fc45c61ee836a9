using static Hl7.Fhir.Model.CapabilityStatement;

namespace FhirPortal.Core.Operations;

/// <summary>Declares the terminology operations on ValueSet, CodeSystem and ConceptMap by their R4 OperationDefinitions.</summary>
internal static class TerminologyOperationDeclaration
{
    private const string Definitions = "http://hl7.org/fhir/OperationDefinition/";

    private static readonly (string Type, string Name, string Documentation)[] Operations =
    [
        ("ValueSet", "expand", "GET/POST [type]/$expand (url, valueSet, valueSetVersion) or [type]/[id]/$expand; filter (case-insensitive, " +
                               "code substring or word starts of the display), offset, count, includeDesignations. Stored and R4 core ValueSets; " +
                               "at most 10,000 codes (more: 400 too-costly); LOINC/SNOMED CT are not expanded."),
        ("ValueSet", "validate-code", "GET/POST [type]/$validate-code (url, valueSet) or [type]/[id]/$validate-code; code+system, coding or " +
                                      "codeableConcept, display, abstract. Answers result, message, display (result=false with a message, HTTP 200, for a code outside the ValueSet)."),
        ("CodeSystem", "lookup", "GET/POST [type]/$lookup; code+system (version) or coding, property. Answers name, version, display, designation, " +
                                 "property (including parent/child from the hierarchy)."),
        ("CodeSystem", "subsumes", "GET/POST [type]/$subsumes (system, version) or [type]/[id]/$subsumes; codeA/codeB or codingA/codingB. " +
                                   "Answers outcome (equivalent, subsumes, subsumed-by, not-subsumed) from the CodeSystem's is-a hierarchy " +
                                   "(nesting and parent properties); a code not in the CodeSystem is a 422."),
        ("CodeSystem", "validate-code", "GET/POST [type]/$validate-code (url, codeSystem) or [type]/[id]/$validate-code; code, coding or " +
                                        "codeableConcept, display. A CodeSystem without content (not-present) is a 422."),
        ("ConceptMap", "translate", "GET/POST [type]/$translate (url, conceptMap, conceptMapVersion) or [type]/[id]/$translate; code+system, coding " +
                                    "or codeableConcept, targetsystem, reverse. Explicit group.element.target mappings only (no dependsOn, no unmapped)."),
    ];

    public static void Declare(RestComponent rest)
    {
        foreach (var (type, name, documentation) in Operations)
            rest.Resource.FirstOrDefault(r => r.Type == type)?.Operation.Add(new OperationComponent
            {
                Name = name,
                Definition = $"{Definitions}{type}-{name}",
                Documentation = documentation,
            });
    }
}
