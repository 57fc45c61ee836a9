using System.Collections.Concurrent;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;

namespace FhirPortal.Core.Validation;

/// <summary>FhirPath invariants (ElementDefinition.constraint), each compiled once and evaluated on POCO nodes.</summary>
public static class Constraints
{
    private static readonly FhirPathCompiler Compiler = new(new SymbolTable().AddStandardFP().AddFhirExtensions());
    private static readonly ConcurrentDictionary<string, CompiledExpression?> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The invariants the walker does not need to run: ele-1 (no empty elements) is the SDK's PVAL129 check, which
    /// runs on every instance anyway.
    /// </summary>
    private static readonly HashSet<string> Native = ["ele-1"];

    /// <summary>
    /// Invariants whose result is already decided by a cheap structural fact, skipped when it holds (they run on
    /// every resource and reference, and are the costliest expressions): ref-1 only concerns '#' references, and
    /// dom-2..dom-5 only contained resources.
    /// </summary>
    private static readonly Dictionary<string, Func<Base, bool>> Holds = new(StringComparer.Ordinal)
    {
        ["ref-1"] = v => v is not ResourceReference { Reference: { } r } || !r.StartsWith('#'),
        ["dom-2"] = NoContained,
        ["dom-3"] = NoContained,
        ["dom-4"] = NoContained,
        ["dom-5"] = NoContained,
    };

    private static bool NoContained(Base value) => value is not DomainResource { Contained.Count: > 0 };

    public static void Check(ElementDefinition definition, PocoNode node, EvaluationContext context, string path, Issues issues)
    {
        foreach (var constraint in definition.Constraint)
        {
            if (constraint.Expression is not { Length: > 0 } expression || (constraint.Key is { } nativeKey && Native.Contains(nativeKey))) continue;
            if (constraint.Key is { } key && Holds.TryGetValue(key, out var holdsAlready) && holdsAlready(node.Poco)) continue;
            var compiled = Cache.GetOrAdd(expression, static e =>
            {
                try { return Compiler.Compile(e); }
                catch (Exception) { return null; }
            });
            // An expression this FhirPath engine cannot compile or run (e.g. htmlChecks) is not held against the instance.
            if (compiled is null) continue;
            bool holds;
            try
            {
                var result = compiled(node, context).ToList();
                holds = result.Count != 1 || ((Hl7.Fhir.ElementModel.ITypedElement)result[0]).Value is not false;
            }
            catch (Exception)
            {
                continue;
            }
            if (holds) continue;
            var severity = constraint.Severity == ConstraintSeverity.Warning ? OperationOutcome.IssueSeverity.Warning : OperationOutcome.IssueSeverity.Error;
            issues.Add(severity, OperationOutcome.IssueType.Invariant, path, $"Constraint {constraint.Key} failed: {constraint.Human} ({expression})");
        }
    }
}
