using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Terminology;

/// <summary>
/// Token modifiers that need terminology, as a plain set of system|code for the store: <c>:in</c>/<c>:not-in</c> (the
/// ValueSet's expansion by the <see cref="TerminologyEngine"/>; stored or core ValueSets, by canonical or
/// <c>ValueSet/id</c>), <c>:below</c> (the SDK's <c>is-a</c> filter) and <c>:above</c> (the code's ancestors) in a
/// stored or core CodeSystem. More than <see cref="MaxCodes"/> codes is a 400 too-costly.
/// </summary>
public sealed class SearchTerminology(TerminologyEngine engine, IResourceStore store)
{
    /// <summary>Codes one condition may stand for (the store gets them as one OR).</summary>
    public const int MaxCodes = 1_000;

    public async Task<TokenCondition> ResolveAsync(TerminologyCondition condition, CancellationToken ct) => condition switch
    {
        ValueSetCondition vs => new TokenCondition(vs.Param, Bounded(await ValueSetCodesAsync(vs.ValueSet, ct), $":in {vs.ValueSet}"),
            vs.Not ? TokenModifier.Not : TokenModifier.None),
        SubsumptionCondition s => new TokenCondition(s.Param, Bounded(await SubsumedAsync(s), $":{(s.Above ? "above" : "below")}")),
        _ => throw new NotSupportedException(condition.GetType().Name),
    };

    private async Task<IEnumerable<TokenMatch>> ValueSetCodesAsync(string reference, CancellationToken ct)
    {
        ValueSet? valueSet;
        var shared = !reference.StartsWith("ValueSet/", StringComparison.Ordinal);
        if (shared) valueSet = await engine.FindValueSetAsync(reference);
        else
        {
            var stored = await store.ReadAsync(new ResourceKey("ValueSet", reference["ValueSet/".Length..]), ct);
            valueSet = stored is null || stored.IsDeleted ? null : (ValueSet)FhirParser.ParseStored(stored.Json.Span);
        }
        if (valueSet is null)
            throw FhirOutcomeException.BadRequest($"ValueSet '{reference}' is neither stored on this server nor in the R4 core package, so :in/:not-in cannot use it.");
        var expanded = await engine.ExpandAsync(valueSet, shared);
        return Codes(ExpansionPage.Flatten(expanded.Expansion?.Contains ?? []));
    }

    private async Task<IEnumerable<TokenMatch>> SubsumedAsync(SubsumptionCondition condition)
    {
        var codes = new List<TokenMatch>();
        foreach (var value in condition.AnyOf)
        {
            var codeSystem = await engine.FindCodeSystemAsync(value.System!)
                             ?? throw FhirOutcomeException.BadRequest($"CodeSystem '{value.System}' is neither stored on this server nor in the R4 core package, so :below/:above cannot use it.");
            if (condition.Above)
            {
                codes.AddRange(CodeSystems.Ancestors(codeSystem, value.Code!).Append(value.Code!).Select(c => new TokenMatch(SystemRule.Exact, value.System, c)));
                continue;
            }
            // The SDK's expander implements is-a (the code and its descendants, nested or by property).
            var below = new ValueSet
            {
                Url = $"{value.System}?is-a={value.Code}",
                Compose = new ValueSet.ComposeComponent
                {
                    Include = [new ValueSet.ConceptSetComponent
                    {
                        System = value.System,
                        Filter = [new ValueSet.FilterComponent { Property = "concept", Op = FilterOperator.IsA, Value = value.Code }],
                    }],
                },
            };
            codes.AddRange(Codes(ExpansionPage.Flatten((await engine.ExpandAsync(below, shared: false)).Expansion?.Contains ?? [])));
        }
        return codes;
    }

    private static IEnumerable<TokenMatch> Codes(IEnumerable<ValueSet.ContainsComponent> concepts) =>
        concepts.Select(c => new TokenMatch(SystemRule.Exact, c.System, c.Code));

    private static List<TokenMatch> Bounded(IEnumerable<TokenMatch> codes, string what)
    {
        var list = codes.Distinct().Take(MaxCodes + 1).ToList();
        return list.Count <= MaxCodes
            ? list
            : throw FhirOutcomeException.Single(400, OperationOutcome.IssueType.TooCostly,
                $"{what} stands for more than {MaxCodes} codes; this server searches by at most {MaxCodes} at a time.");
    }
}
