using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>
/// Computes a resource's index values at write time by evaluating each applicable search parameter's FhirPath
/// expression once: through direct POCO navigation where the expression compiles to it (<see cref="CompiledPath"/>,
/// most R4 definitions), else with the FhirPath interpreter (compiled expressions cached per expression string); stores
/// never evaluate FhirPath themselves. An expression that cannot be evaluated indexes nothing for its parameter and
/// never fails the write.
/// </summary>
public sealed class SearchIndexer
{
    private readonly SearchParameterRegistry _registry;
    private readonly bool _compiled;

    public SearchIndexer(SearchParameterRegistry registry) : this(registry, compiled: true)
    {
    }

    private SearchIndexer(SearchParameterRegistry registry, bool compiled)
    {
        _registry = registry;
        _compiled = compiled;
    }

    /// <summary>An indexer that evaluates every expression with the FhirPath interpreter: the reference the compiled paths are checked against.</summary>
    public static SearchIndexer InterpreterOnly(SearchParameterRegistry registry) => new(registry, compiled: false);

    /// <summary>Whether this indexer evaluates the parameter's expression (and, for a composite, its components) without the interpreter.</summary>
    public bool IsCompiled(SearchParameterInfo parameter) =>
        _compiled && parameter.Expression is { } expression && CompiledPath.For(expression) is { } path
        && (parameter.Type != SearchParamType.Composite
            || (!path.IsUnion && parameter.Components.All(c => CompiledPath.For(c.Expression) is not null)));

    public ResourceIndex Index(Resource resource)
    {
        var index = new ResourceIndex();
        var type = resource.TypeName;
        var evaluation = new ExpressionEvaluation(resource, _compiled);
        var groups = 0;
        var present = resource.EnumerateElements().Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var parameter in _registry.ForType(type))
        {
            if (parameter.Expression is null) continue;
            if (parameter.Roots is { } roots && !roots.Any(present.Contains)) continue;
            if (parameter.Type == SearchParamType.Composite)
            {
                CompositeValues.Add(index, parameter, evaluation, ref groups);
                continue;
            }
            if (parameter.Type == SearchParamType.Special) continue;
            foreach (var value in evaluation.Values(parameter.Expression))
                IndexValues.Add(index, parameter.Type, parameter.Name, value);
        }
        Deduplicate(index);
        CompartmentMembership.Add(index, type, resource.Id);
        Deduplicate(index.Compartments);
        index.Narrative = TextContent.Narrative(resource);
        index.Content = TextContent.Content(resource, index.Narrative);
        return index;
    }

    /// <summary>
    /// The Patient compartments a resource is in, as <see cref="Index"/> finds them, evaluating only the compartment's
    /// reference parameters: far cheaper when membership is all that is needed (the access audit's patients).
    /// </summary>
    public IReadOnlyList<CompartmentIndexValue> PatientCompartments(Resource resource)
    {
        var index = new ResourceIndex();
        var type = resource.TypeName;
        var names = CompartmentMembership.PatientParameters(type);
        if (names.Count > 0)
        {
            var evaluation = new ExpressionEvaluation(resource, _compiled);
            foreach (var parameter in _registry.ForType(type))
            {
                if (parameter.Type != SearchParamType.Reference || parameter.Expression is null || !names.Contains(parameter.Name)) continue;
                foreach (var value in evaluation.Values(parameter.Expression))
                    IndexValues.Add(index, parameter.Type, parameter.Name, value);
            }
        }
        CompartmentMembership.Add(index, type, resource.Id);
        Deduplicate(index.Compartments);
        return index.Compartments;
    }

    /// <summary>
    /// The top-level elements <see cref="PatientCompartments"/> reads for <paramref name="type"/> (its compartment
    /// parameters' roots, and <c>contained</c>, where <c>resolve()</c> looks), so a caller may parse only those; empty for
    /// a type outside the compartment; null when an expression may read more (then parse the whole resource).
    /// </summary>
    public IReadOnlySet<string>? PatientCompartmentRoots(string type)
    {
        var names = CompartmentMembership.PatientParameters(type);
        var roots = new HashSet<string>(StringComparer.Ordinal);
        if (names.Count == 0) return roots;
        roots.Add("contained");
        foreach (var parameter in _registry.ForType(type))
        {
            if (parameter.Type != SearchParamType.Reference || parameter.Expression is null || !names.Contains(parameter.Name)) continue;
            if (parameter.Roots is not { } of) return null;
            roots.UnionWith(of);
        }
        return roots;
    }

    /// <summary>
    /// The index of a resource the server builds itself from known (parameter, value) pairs, without a POCO or FhirPath
    /// (the access audit's AuditEvents): the same value rules, compartments and <c>_content</c> as <see cref="Index"/>.
    /// Null when the type has an indexed parameter outside <paramref name="covered"/> or a custom one in place of a covered name:
    /// the caller then indexes the resource in full, so the rows never lag behind the registry.
    /// </summary>
    public ResourceIndex? FromValues(string type, string id, IReadOnlySet<string> covered, IEnumerable<(string Param, Base Value)> values, IEnumerable<string> content)
    {
        var types = new Dictionary<string, SearchParamType>(StringComparer.Ordinal);
        foreach (var parameter in _registry.ForType(type))
        {
            if (parameter.Expression is null || parameter.Type == SearchParamType.Special) continue;
            // A custom SearchParameter may take a covered name with another expression: the values were not made for it.
            if (!covered.Contains(parameter.Name) || !_registry.IsBuiltIn(parameter)) return null;
            types[parameter.Name] = parameter.Type;
        }
        var index = new ResourceIndex();
        foreach (var (param, value) in values)
            if (types.TryGetValue(param, out var paramType)) IndexValues.Add(index, paramType, param, value);
        Deduplicate(index);
        CompartmentMembership.Add(index, type, id);
        Deduplicate(index.Compartments);
        index.Content = TextContent.Join(content);
        return index;
    }

    private static void Deduplicate(ResourceIndex index)
    {
        Deduplicate(index.Tokens);
        Deduplicate(index.Strings);
        Deduplicate(index.Dates);
        Deduplicate(index.Numbers);
        Deduplicate(index.Quantities);
        Deduplicate(index.References);
        Deduplicate(index.Uris);
    }

    private static void Deduplicate<T>(List<T> values)
    {
        if (values.Count < 2) return;
        var seen = new HashSet<T>(values.Count);
        values.RemoveAll(v => !seen.Add(v));
    }
}
