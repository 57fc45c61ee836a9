using FhirPortal.Search;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Translates search conditions into Cosmos SQL predicates over a current document "c": each value test is an
/// EXISTS over the embedded index array of its type. A condition it does not cover yet throws
/// <see cref="StoreNotSupportedException"/>: never a wrong answer.
/// </summary>
internal sealed partial class CosmosConditions
{
    private readonly List<(string Name, object? Value)> _parameters = [];
    private int _aliases;

    public string Add(object? value)
    {
        var name = "@p" + _parameters.Count;
        _parameters.Add((name, value));
        return name;
    }

    public QueryDefinition Build(string sql)
    {
        var query = new QueryDefinition(sql);
        foreach (var (name, value) in _parameters) query.WithParameter(name, value);
        return query;
    }

    public string Translate(SearchCondition condition) => condition switch
    {
        // _id lists can be long (e.g. a _list of thousands): chunked like every other id list.
        // A negated list is one plain array: chunks (queries whose results are merged) cannot express "none of them".
        IdCondition { Not: true } ids => $"NOT ARRAY_CONTAINS({Add(ids.Ids.ToArray())}, c.rid)",
        IdCondition ids => $"ARRAY_CONTAINS({Add(new CosmosIdList(ids.Ids))}, c.rid)",
        TypeCondition t => $"{(t.Not ? "NOT " : "")}ARRAY_CONTAINS({Add(t.Types.ToArray())}, c.type)",
        TokenCondition { Modifier: TokenModifier.Not } not => $"NOT {Exists(Test(not with { Modifier = TokenModifier.None }))}",
        TokenCondition or StringCondition or DateCondition or NumberCondition or QuantityCondition
            or ReferenceCondition or ReferenceIdentifierCondition or UriCondition => Exists(Test(condition)),
        CompositeCondition composite => Composite(composite),
        TextCondition text => Text(text).Operand,
        MissingCondition m when ArrayOf(m.Type) is { } array => $"{(m.Missing ? "NOT " : "")}{Exists(array, m.Param, _ => CosmosDnf.True)}",
        CompartmentCondition c => $"ARRAY_CONTAINS(c.cmp, {Add($"{c.CompartmentType}/{c.Id}")})",
        AnyCompartmentCondition { Ids: null } c => $"EXISTS(SELECT VALUE m FROM m IN c.cmp WHERE STARTSWITH(m, {Add(c.CompartmentType + "/")}))",
        AnyCompartmentCondition c => $"EXISTS(SELECT VALUE m FROM m IN c.cmp WHERE ARRAY_CONTAINS({Add(c.Ids!.Select(id => $"{c.CompartmentType}/{id}").ToArray())}, m))",
        LastUpdatedCondition u => LastUpdated(u),
        // Each translated condition is safe to AND without parentheses (see CosmosDnf: the emulator's parser needs few).
        CosmosSetCondition set => set.Predicate(this),
        AnyOfCondition any => CosmosDnf.Any(any.Alternatives.Select(all => CosmosDnf.All(all.Select(c => CosmosDnf.Atom(Translate(c)))))).Operand,
        _ => throw new StoreNotSupportedException(
            $"The Cosmos DB store cannot evaluate {Describe(condition)} yet; this search is not available on this server."),
    };

    private static string Describe(SearchCondition condition) => condition switch
    {
        ChainCondition c => $"the chained parameter '{c.Param}'",
        HasCondition h => $"_has:{h.SourceType}:{h.ReferenceParam}",
        _ => condition.GetType().Name,
    };

    private static string? ArrayOf(Hl7.Fhir.Model.SearchParamType type) => type switch
    {
        Hl7.Fhir.Model.SearchParamType.Token => "tok",
        Hl7.Fhir.Model.SearchParamType.String => "str",
        Hl7.Fhir.Model.SearchParamType.Date => "dt",
        Hl7.Fhir.Model.SearchParamType.Number => "num",
        Hl7.Fhir.Model.SearchParamType.Quantity => "qty",
        Hl7.Fhir.Model.SearchParamType.Reference => "ref",
        Hl7.Fhir.Model.SearchParamType.Uri => "uri",
        _ => null,
    };

    private string Exists(string array, string param, Func<string, CosmosDnf> predicate)
    {
        var x = "x" + _aliases++;
        return $"EXISTS(SELECT VALUE {x} FROM {x} IN c.{array} WHERE {CosmosDnf.All(CosmosDnf.Atom($"{x}.p = {Add(param)}"), predicate(x))})";
    }

    private string LastUpdated(LastUpdatedCondition u)
    {
        var parts = new List<string>();
        if (u.After is { } after) parts.Add($"c.lum > {Add(CosmosIndexJson.Ms(after))}");
        if (u.NotAfter is { } notAfter) parts.Add($"c.lum <= {Add(CosmosIndexJson.Ms(notAfter))}");
        return parts.Count == 0 ? "true" : "(" + string.Join(" AND ", parts) + ")";
    }
}
