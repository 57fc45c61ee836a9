using System.Collections.Concurrent;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;

namespace FhirPortal.Search;

/// <summary>
/// Compiles each FhirPath expression once (process-wide cache) and evaluates it on POCO nodes. Expressions that
/// cannot be compiled or that fail at run time (unsupported functions, unresolvable references) yield nothing.
/// </summary>
internal static class FhirPathEvaluator
{
    private static readonly FhirPathCompiler Compiler = new(new SymbolTable().AddStandardFP().AddFhirExtensions());
    private static readonly ConcurrentDictionary<string, CompiledExpression?> Cache = new(StringComparer.Ordinal);

    public static CompiledExpression? Compile(string expression) =>
        Cache.GetOrAdd(expression, static e =>
        {
            try
            {
                return Compiler.Compile(e);
            }
            catch (Exception)
            {
                return null;
            }
        });

    /// <summary>The nodes an expression selects from <paramref name="input"/>, materialised; empty when it fails.</summary>
    public static List<PocoNode> Select(PocoNode input, string expression, EvaluationContext context)
    {
        var compiled = Compile(expression);
        if (compiled is null) return [];
        try
        {
            return compiled.Invoke([input], context).ToList();
        }
        catch (Exception)
        {
            // Never fail a write because one definition's expression cannot be evaluated here.
            return [];
        }
    }

    /// <summary>The FHIR POCO values (primitives included) behind the selected nodes.</summary>
    public static List<Base> Values(IEnumerable<PocoNode> nodes)
    {
        try
        {
            return nodes.ToFhirValues().OfType<Base>().ToList();
        }
        catch (Exception)
        {
            return [];
        }
    }

    /// <summary>
    /// An evaluation context for one resource whose <c>resolve()</c> answers a literal reference "Type/id" (relative
    /// or absolute, versions dropped) with an empty instance of that type, so <c>resolve() is Patient</c> tests the
    /// referenced type without reading the store; contained references resolve to the contained resource.
    /// </summary>
    public static FhirEvaluationContext ContextFor(Resource resource, PocoNode node) => new()
    {
        Resource = node,
        RootResource = node,
        ElementResolver = reference => ReferenceResolver.Resolve(resource, reference),
    };
}

/// <summary>What <c>resolve()</c> gives a reference during indexing, shared by the interpreter and <see cref="CompiledPath"/>.</summary>
internal static class ReferenceResolver
{
    public static PocoNode? Resolve(Resource root, string? reference)
    {
        if (Contained(root, reference) is { } contained) return contained.ToPocoNode();
        if (TargetType(root, reference) is not { } type || Activator.CreateInstance(type) is not Resource instance) return null;
        ReferenceValues.TryParseLiteral(reference!, out _, out var targetId, out _);
        instance.Id = targetId;
        return instance.ToPocoNode();
    }

    /// <summary>The class of what <see cref="Resolve"/> gives, without building it; null when it gives nothing.</summary>
    public static Type? TargetType(Resource root, string? reference)
    {
        if (string.IsNullOrEmpty(reference)) return null;
        if (reference.StartsWith('#')) return Contained(root, reference)?.GetType();
        return ReferenceValues.TryParseLiteral(reference, out var type, out _, out _) ? ModelInfo.GetTypeForFhirType(type) : null;
    }

    private static Resource? Contained(Resource root, string? reference)
    {
        if (reference is null || !reference.StartsWith('#') || root is not DomainResource domain) return null;
        var id = reference[1..];
        return domain.Contained.FirstOrDefault(c => c.Id == id);
    }
}
