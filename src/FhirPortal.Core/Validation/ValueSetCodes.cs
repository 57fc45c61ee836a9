using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Terminology;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Membership tests against ValueSets the server holds, expanded once with the SDK's ValueSetExpander (local
/// CodeSystems, nested ValueSets, filters it supports) and cached. A ValueSet that cannot be expanded here (it draws
/// on an external terminology such as LOINC or SNOMED CT) answers "unknown", and bindings to it are not enforced.
/// </summary>
public sealed class ValueSetCodes(ConformanceResources resources)
{
    private const int MaxExpansion = 10_000;
    private readonly ConcurrentDictionary<string, (long Generation, Expansion? Expansion)> _cache = new(StringComparer.Ordinal);

    /// <summary>A ValueSet's codes; <see cref="Systems"/> lists the code systems it draws on.</summary>
    public sealed record Expansion(HashSet<(string System, string Code)> Codes, HashSet<string> Systems)
    {
        public bool Contains(string? system, string code) =>
            system is null ? Codes.Any(c => c.Code == code) : Codes.Contains((system, code));
    }

    /// <summary>The expansion, or null when the server does not hold the ValueSet or cannot expand it.</summary>
    public Expansion? Expand(string canonical)
    {
        var generation = resources.Generation;
        var url = canonical.Split('|')[0];
        if (_cache.TryGetValue(url, out var cached) && cached.Generation == generation) return cached.Expansion;
        var expansion = Build(url);
        _cache[url] = (generation, expansion);
        return expansion;
    }

    private Expansion? Build(string url)
    {
        if (resources.ValueSet(url) is not { } valueSet) return null;
        var copy = (ValueSet)valueSet.DeepCopy();
        if (copy.Expansion is null || copy.Expansion.Contains.Count == 0)
        {
            try
            {
                var expander = new ValueSetExpander(new ValueSetExpanderSettings { ValueSetSource = resources, MaxExpansionSize = MaxExpansion });
                expander.ExpandAsync(copy).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // Unknown or external code systems, unsupported filters, too large: not checkable here.
                return null;
            }
        }
        if (copy.Expansion is null) return null;
        var codes = new HashSet<(string, string)>();
        var systems = new HashSet<string>(StringComparer.Ordinal);
        Collect(copy.Expansion.Contains, codes, systems);
        return new Expansion(codes, systems);
    }

    private static void Collect(IEnumerable<ValueSet.ContainsComponent> contains, HashSet<(string, string)> codes, HashSet<string> systems)
    {
        foreach (var c in contains)
        {
            if (c.System is { } system && c.Code is { } code && c.Abstract != true)
            {
                codes.Add((system, code));
                systems.Add(system);
            }
            Collect(c.Contains, codes, systems);
        }
    }
}
