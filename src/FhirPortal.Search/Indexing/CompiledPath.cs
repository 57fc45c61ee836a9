using System.Collections.Concurrent;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;
using FhirPathExpression = Hl7.FhirPath.Expressions.Expression;

namespace FhirPortal.Search;

/// <summary>
/// A search expression compiled to direct navigation of the POCO model (<see cref="Base.TryGetValue"/> by element
/// name, so a choice element <c>value[x]</c> is <c>value</c>), for the shapes nearly all R4 definitions use: a union
/// of paths with <c>ofType(X)</c>, <c>as(X)</c>/<c>x as X</c>, <c>where(resolve() is X)</c>, <c>where(e = 'literal')</c>
/// and <c>[n]</c>. It selects the values the FhirPath interpreter selects, in the same order; a union concatenates its
/// branches where the interpreter also drops equal values, which the index removes anyway (composites with a union
/// are left to the interpreter). Anything else is not compiled and the interpreter evaluates it.
/// </summary>
internal sealed class CompiledPath
{
    // Parsing only: the same grammar the interpreter compiles (FhirPathEvaluator).
    private static readonly FhirPathCompiler Parser = new(new SymbolTable().AddStandardFP().AddFhirExtensions());
    private static readonly ConcurrentDictionary<string, CompiledPath?> Cache = new(StringComparer.Ordinal);

    private readonly PathStep[][] _branches;

    private CompiledPath(PathStep[][] branches) => _branches = branches;

    /// <summary>True when the expression is a union of several paths.</summary>
    public bool IsUnion => _branches.Length > 1;

    /// <summary>The compiled form of an expression (once per expression string); null when only the interpreter can evaluate it.</summary>
    public static CompiledPath? For(string expression) => Cache.GetOrAdd(expression, Compile);

    /// <summary>
    /// Appends what the expression selects from <paramref name="focus"/> (inside <paramref name="root"/>, which
    /// <c>resolve()</c> looks into for contained resources). False, with nothing appended, when a value met on the way is
    /// outside what the compiled form decides the interpreter's way; the caller then asks the interpreter.
    /// </summary>
    public bool TrySelect(Base focus, Resource root, List<Base> output)
    {
        var start = output.Count;
        foreach (var branch in _branches)
        {
            if (Run(branch, focus, root, output)) continue;
            output.RemoveRange(start, output.Count - start);
            return false;
        }
        return true;
    }

    private static bool Run(PathStep[] steps, Base focus, Resource root, List<Base> output)
    {
        List<Base> current = [focus];
        for (var i = 0; i < steps.Length; i++)
        {
            var last = i == steps.Length - 1;
            var next = last ? output : new List<Base>();
            if (!steps[i].Apply(current, root, next)) return false;
            if (last || next.Count == 0) return true;
            current = next;
        }
        output.Add(focus); // "$this"
        return true;
    }

    private static CompiledPath? Compile(string expression)
    {
        try
        {
            var branches = new List<PathStep[]>();
            return Branches(Parser.Parse(expression), branches) ? new CompiledPath([.. branches]) : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static bool Branches(FhirPathExpression expression, List<PathStep[]> branches)
    {
        if (expression is BinaryExpression { Op: "|" } union && Operands(union) is var (left, right))
            return Branches(left, branches) && Branches(right, branches);
        var steps = new List<PathStep>();
        if (!Path(expression, steps)) return false;
        branches.Add([.. steps]);
        return true;
    }

    // Appends the steps of a single path, innermost focus first; false for anything outside the supported shapes.
    private static bool Path(FhirPathExpression expression, List<PathStep> steps)
    {
        switch (expression)
        {
            case AxisExpression { AxisName: "that" or "this" }:
                return true;
            case BracketExpression bracket:
                return Path(bracket.Operand, steps);
            case ChildExpression child:
                if (!Path(child.Focus, steps)) return false;
                steps.Add(new ChildStep(child.ChildName));
                return true;
            case IndexerExpression { Index: ConstantExpression { Value: int index } } indexer when index >= 0:
                if (!Path(indexer.Focus, steps)) return false;
                steps.Add(new ItemStep(index));
                return true;
            case BinaryExpression { Op: "as" } cast when Operands(cast) is (var operand, ConstantExpression { Value: string type }):
                if (!Path(operand, steps)) return false;
                steps.Add(new TypeStep(type));
                return true;
            case BinaryExpression:
                return false;
            case FunctionCallExpression { FunctionName: "ofType" or "as" } function
                when function.Arguments.ToList() is [ConstantExpression { Value: string type }]:
                if (!Path(function.Focus, steps)) return false;
                steps.Add(new TypeStep(type));
                return true;
            case FunctionCallExpression { FunctionName: "where" } where when where.Arguments.ToList() is [var criterion]
                                                                     && Criterion(criterion) is { } filter:
                if (!Path(where.Focus, steps)) return false;
                steps.Add(filter);
                return true;
            default:
                return false;
        }
    }

    // resolve() is X, or element = 'literal', on the item being filtered.
    private static PathStep? Criterion(FhirPathExpression criterion) => criterion switch
    {
        BinaryExpression { Op: "is" } test when Operands(test) is (
            FunctionCallExpression { FunctionName: "resolve", Focus: AxisExpression { AxisName: "that" } } resolve,
            ConstantExpression { Value: string type }) && !resolve.Arguments.Any() => new ResolvesToStep(type),
        BinaryExpression { Op: "=" } equals when Operands(equals) is (
            ChildExpression { Focus: AxisExpression { AxisName: "that" } } element,
            ConstantExpression { Value: string literal }) && char.IsLower(element.ChildName[0]) => new EqualsStep(element.ChildName, literal),
        _ => null,
    };

    // The parser keeps a binary operator's operands as its two arguments (its Left/Right properties do not name them).
    private static (FhirPathExpression Left, FhirPathExpression Right) Operands(BinaryExpression binary) =>
        binary.Arguments.ToList() is [var left, var right] ? (left, right) : throw new NotSupportedException(binary.Op);
}
