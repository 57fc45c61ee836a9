using Hl7.Fhir.Model;
using Hl7.FhirPath;

namespace FhirPortal.Search;

/// <summary>
/// Evaluates the search expressions of one resource being indexed: through its <see cref="CompiledPath"/> when the
/// expression has one, else (or when the compiled form cannot decide a value) with the FhirPath interpreter, whose
/// node tree and context are built only when first needed.
/// </summary>
internal sealed class ExpressionEvaluation(Resource resource, bool compiled)
{
    private PocoNode? _node;
    private EvaluationContext? _context;

    private PocoNode Node => _node ??= resource.ToPocoNode();
    private EvaluationContext Context => _context ??= FhirPathEvaluator.ContextFor(resource, Node);

    /// <summary>The FHIR values an expression selects from the resource.</summary>
    public List<Base> Values(string expression)
    {
        if (compiled && CompiledPath.For(expression) is { } path)
        {
            var values = new List<Base>();
            if (path.TrySelect(resource, resource, values)) return values;
        }
        return FhirPathEvaluator.Values(FhirPathEvaluator.Select(Node, expression, Context));
    }

    /// <summary>
    /// For a composite: each occurrence its expression selects with the values of each component expression on it
    /// (a component after an empty one may be left null: the occurrence is incomplete either way).
    /// All compiled, or (when any part is not) all through the interpreter, so the occurrences are the interpreter's.
    /// </summary>
    public List<List<Base>[]> Occurrences(string expression, IReadOnlyList<CompositeComponent> components)
    {
        if (compiled && CompiledOccurrences(expression, components) is { } occurrences) return occurrences;
        var result = new List<List<Base>[]>();
        foreach (var occurrence in FhirPathEvaluator.Select(Node, expression, Context))
        {
            var values = new List<Base>[components.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = FhirPathEvaluator.Values(FhirPathEvaluator.Select(occurrence, components[i].Expression, Context));
                if (values[i].Count == 0) break; // incomplete: the rest cannot matter
            }
            result.Add(values);
        }
        return result;
    }

    private List<List<Base>[]>? CompiledOccurrences(string expression, IReadOnlyList<CompositeComponent> components)
    {
        // A union drops equal occurrences in the interpreter, and occurrences number the groups: leave those to it.
        if (CompiledPath.For(expression) is not { IsUnion: false } path) return null;
        var parts = new CompiledPath[components.Count];
        for (var i = 0; i < parts.Length; i++)
            if (CompiledPath.For(components[i].Expression) is { } part) parts[i] = part;
            else return null;
        var selected = new List<Base>();
        if (!path.TrySelect(resource, resource, selected)) return null;
        var result = new List<List<Base>[]>(selected.Count);
        foreach (var occurrence in selected)
        {
            var values = new List<Base>[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                values[i] = [];
                if (!parts[i].TrySelect(occurrence, resource, values[i])) return null;
                if (values[i].Count == 0) break;
            }
            result.Add(values);
        }
        return result;
    }
}
