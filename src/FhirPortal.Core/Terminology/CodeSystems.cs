using Hl7.Fhir.Model;

namespace FhirPortal.Core.Terminology;

/// <summary>
/// What the SDK's LocalTerminologyService leaves out for CodeSystems (its $lookup, $subsumes and CodeSystem
/// $validate-code are not implemented): the ValueSet of all of a CodeSystem's codes, for the SDK's $validate-code,
/// <c>$lookup</c> and <c>$subsumes</c>.
/// </summary>
public static class CodeSystems
{
    /// <summary>
    /// A ValueSet enumerating every concept of <paramref name="codeSystem"/> with its display, so the SDK expands it
    /// without resolving the CodeSystem (which may be one sent in the request).
    /// </summary>
    public static ValueSet AllCodes(CodeSystem codeSystem)
    {
        RequireContent(codeSystem);
        var include = new ValueSet.ConceptSetComponent { System = codeSystem.Url, Version = codeSystem.Version };
        foreach (var concept in Concepts(codeSystem.Concept).Select(c => c.Concept))
            include.Concept.Add(new ValueSet.ConceptReferenceComponent { Code = concept.Code, Display = concept.Display });
        if (include.Concept.Count > TerminologyEngine.MaxExpansion)
            throw FhirOutcomeException.Single(400, OperationOutcome.IssueType.TooCostly,
                $"CodeSystem '{codeSystem.Url}' has more than {TerminologyEngine.MaxExpansion} codes; this server does not check codes against it.");
        return new ValueSet
        {
            Url = codeSystem.Url,
            Title = $"the codes of CodeSystem {codeSystem.Title ?? codeSystem.Name ?? codeSystem.Url}",
            Status = PublicationStatus.Active,
            Compose = new ValueSet.ComposeComponent { Include = [include] },
        };
    }

    /// <summary>$lookup of one code: name, version, display, designations and properties (all, or those in <paramref name="properties"/>).</summary>
    public static Parameters Lookup(CodeSystem codeSystem, string code, IReadOnlyCollection<string> properties)
    {
        RequireContent(codeSystem);
        var (concept, parent) = Concepts(codeSystem.Concept).FirstOrDefault(c => c.Concept.Code == code);
        if (concept is null)
            throw FhirOutcomeException.Single(422, OperationOutcome.IssueType.CodeInvalid,
                $"Code '{code}' is not in CodeSystem '{codeSystem.Url}'{(codeSystem.Version is null ? "" : $" version {codeSystem.Version}")}.", "code");

        var result = new Parameters();
        result.Add("name", new FhirString(codeSystem.Name ?? codeSystem.Title ?? codeSystem.Url));
        if (codeSystem.Version is not null) result.Add("version", new FhirString(codeSystem.Version));
        if (concept.Display is not null) result.Add("display", new FhirString(concept.Display));
        foreach (var designation in concept.Designation)
        {
            var parts = new List<Tuple<string, Base>>();
            if (designation.Language is not null) parts.Add(Tuple.Create("language", (Base)new Code(designation.Language)));
            if (designation.Use is not null) parts.Add(Tuple.Create("use", (Base)designation.Use));
            parts.Add(Tuple.Create("value", (Base)new FhirString(designation.Value)));
            result.Add("designation", parts);
        }
        bool Wanted(string name) => properties.Count == 0 || properties.Contains(name);
        foreach (var property in concept.Property.Where(p => p.Code is not null && Wanted(p.Code)))
            result.Add("property", [Tuple.Create("code", (Base)new Code(property.Code)), Tuple.Create("value", (Base)property.Value)]);
        // The hierarchy R4 expresses by nesting, as the parent and child properties (codesystem-concept-properties).
        if (parent is not null && Wanted("parent") && concept.Property.All(p => p.Code != "parent"))
            result.Add("property", [Tuple.Create("code", (Base)new Code("parent")), Tuple.Create("value", (Base)new Code(parent))]);
        if (Wanted("child") && concept.Property.All(p => p.Code != "child"))
            foreach (var child in concept.Concept.Where(c => c.Code is not null))
                result.Add("property", [Tuple.Create("code", (Base)new Code("child")), Tuple.Create("value", (Base)new Code(child.Code))]);
        return result;
    }

    /// <summary>
    /// The codes that subsume <paramref name="code"/>, nearest first: the concepts it is nested in, and those named by a
    /// <c>parent</c> property (concept-properties#parent, or R5's subsumedBy), transitively.
    /// </summary>
    public static List<string> Ancestors(CodeSystem codeSystem, string code)
    {
        var parentProperties = codeSystem.Property
            .Where(p => p.Uri is "http://hl7.org/fhir/concept-properties#parent" or "http://hl7.org/fhir/concept-properties#subsumedBy")
            .Select(p => p.Code).Append("parent").Append("subsumedBy").ToHashSet();
        var parents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (concept, nestedIn) in Concepts(codeSystem.Concept))
        {
            if (concept.Code is null) continue;
            var list = parents.TryGetValue(concept.Code, out var known) ? known : parents[concept.Code] = [];
            if (nestedIn is not null) list.Add(nestedIn);
            list.AddRange(concept.Property.Where(p => parentProperties.Contains(p.Code)).Select(p => (p.Value as PrimitiveType)?.ToString()).OfType<string>());
        }
        var ancestors = new List<string>();
        var pending = new Queue<string>([code]);
        while (pending.TryDequeue(out var current))
            foreach (var parent in parents.GetValueOrDefault(current) ?? [])
                if (parent != code && !ancestors.Contains(parent))
                {
                    ancestors.Add(parent);
                    pending.Enqueue(parent);
                }
        return ancestors;
    }

    /// <summary>
    /// The R4 $subsumes outcome of <paramref name="codeA"/> against <paramref name="codeB"/>: <c>equivalent</c>,
    /// <c>subsumes</c> (A is an ancestor of B), <c>subsumed-by</c> or <c>not-subsumed</c>. 422 when either code is not in
    /// the CodeSystem, or its hierarchy is not subsumption (<c>hierarchyMeaning</c> other than is-a).
    /// </summary>
    public static string Subsumption(CodeSystem codeSystem, string codeA, string codeB)
    {
        RequireContent(codeSystem);
        if (codeSystem.HierarchyMeaning is { } meaning && meaning != CodeSystem.CodeSystemHierarchyMeaning.IsA)
            throw FhirOutcomeException.Single(422, OperationOutcome.IssueType.NotSupported,
                $"CodeSystem '{codeSystem.Url}' has a {Hl7.Fhir.Utility.EnumUtility.GetLiteral(meaning)} hierarchy, not is-a, so it defines no subsumption.");
        var known = Concepts(codeSystem.Concept).Select(c => c.Concept.Code).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (code, parameter) in new[] { (codeA, "codeA"), (codeB, "codeB") })
            if (!known.Contains(code))
                throw FhirOutcomeException.Single(422, OperationOutcome.IssueType.CodeInvalid,
                    $"Code '{code}' is not in CodeSystem '{codeSystem.Url}'{(codeSystem.Version is null ? "" : $" version {codeSystem.Version}")}.", parameter);
        if (codeA == codeB) return "equivalent";
        if (Ancestors(codeSystem, codeB).Contains(codeA)) return "subsumes";
        return Ancestors(codeSystem, codeA).Contains(codeB) ? "subsumed-by" : "not-subsumed";
    }

    /// <summary>Every concept at any depth, with the code of the concept it is nested in.</summary>
    public static IEnumerable<(CodeSystem.ConceptDefinitionComponent Concept, string? Parent)> Concepts(
        IEnumerable<CodeSystem.ConceptDefinitionComponent> concepts, string? parent = null)
    {
        foreach (var concept in concepts)
        {
            yield return (concept, parent);
            foreach (var nested in Concepts(concept.Concept, concept.Code)) yield return nested;
        }
    }

    private static void RequireContent(CodeSystem codeSystem)
    {
        if (codeSystem.Content == CodeSystemContentMode.NotPresent || codeSystem.Concept.Count == 0)
            throw FhirOutcomeException.Single(422, OperationOutcome.IssueType.NotSupported,
                $"CodeSystem '{codeSystem.Url}' has no concepts on this server (content = {codeSystem.Content?.ToString() ?? "none"}), so its codes cannot be looked up or checked.");
    }
}
