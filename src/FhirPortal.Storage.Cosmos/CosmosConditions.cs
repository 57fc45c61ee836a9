using FhirPortal.Search;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Translates search conditions into Cosmos SQL predicates over a current document "c": each value test is an
/// EXISTS over the embedded index array of its type. A condition it does not cover yet throws
/// <see cref="StoreNotSupportedException"/>: never a wrong answer.
/// </summary>
internal sealed class CosmosConditions
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
        IdCondition ids => $"ARRAY_CONTAINS({Add(ids.Ids.ToArray())}, c.rid)",
        TypeCondition t => $"{(t.Not ? "NOT " : "")}ARRAY_CONTAINS({Add(t.Types.ToArray())}, c.type)",
        TokenCondition { Modifier: TokenModifier.Not } not => $"NOT {Exists("tok", not.Param, x => Or(not.AnyOf, m => Token(x, "s", "c", m)))}",
        TokenCondition { Modifier: TokenModifier.None } t => Exists("tok", t.Param, x => Or(t.AnyOf, m => Token(x, "s", "c", m))),
        // :text matches a word start in the coding's display text, as the SQLite store does.
        TokenCondition { Modifier: TokenModifier.Text } t => Exists("tok", t.Param, x => Or(t.AnyOf, m => $"CONTAINS(CONCAT(' ', {x}.t), {Add(" " + StringNormalizer.Normalize(m.Code))})")),
        StringCondition s => Exists("str", s.Param, x => Or(s.AnyOf, v => String(x, v, s.Modifier))),
        DateCondition d => Exists("dt", d.Param, x => Or(d.AnyOf, m => Date(x, m))),
        ReferenceCondition r => Exists("ref", r.Param, x => Or(r.AnyOf, m => Reference(x, m))),
        ReferenceIdentifierCondition ri => Exists("ref", ri.Param, x => Or(ri.AnyOf, m => Token(x, "is", "iv", m))),
        UriCondition u => Exists("uri", u.Param, x => Or(u.AnyOf, v => Uri(x, v, u.Modifier))),
        MissingCondition m when ArrayOf(m.Type) is { } array => $"{(m.Missing ? "NOT " : "")}{Exists(array, m.Param, _ => "true")}",
        CompartmentCondition c => $"ARRAY_CONTAINS(c.cmp, {Add($"{c.CompartmentType}/{c.Id}")})",
        AnyCompartmentCondition { Ids: null } c => $"EXISTS(SELECT VALUE m FROM m IN c.cmp WHERE STARTSWITH(m, {Add(c.CompartmentType + "/")}))",
        AnyCompartmentCondition c => $"EXISTS(SELECT VALUE m FROM m IN c.cmp WHERE ARRAY_CONTAINS({Add(c.Ids!.Select(id => $"{c.CompartmentType}/{id}").ToArray())}, m))",
        LastUpdatedCondition u => LastUpdated(u),
        AnyOfCondition any => any.Alternatives.Count == 0 ? "false"
            : "(" + string.Join(" OR ", any.Alternatives.Select(all => all.Count == 0 ? "true" : "(" + string.Join(" AND ", all.Select(Translate)) + ")")) + ")",
        _ => throw new StoreNotSupportedException(
            $"The Cosmos DB store cannot evaluate {Describe(condition)} yet; this search is not available on this server."),
    };

    private static string Describe(SearchCondition condition) => condition switch
    {
        TokenCondition t => $"the :{t.Modifier.ToString().ToLowerInvariant()} modifier of '{t.Param}'",
        DateCondition d => $"the 'ap' prefix of '{d.Param}'",
        ChainCondition c => $"the chained parameter '{c.Param}'",
        HasCondition h => $"_has:{h.SourceType}:{h.ReferenceParam}",
        CompositeCondition c => $"the composite parameter '{c.Param}'",
        NumberCondition n => $"the number parameter '{n.Param}'",
        QuantityCondition q => $"the quantity parameter '{q.Param}'",
        TextCondition t => t.NarrativeOnly ? "_text" : "_content",
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

    private string Exists(string array, string param, Func<string, string> predicate)
    {
        var x = "x" + _aliases++;
        return $"EXISTS(SELECT VALUE {x} FROM {x} IN c.{array} WHERE {x}.p = {Add(param)} AND ({predicate(x)}))";
    }

    private string Token(string x, string system, string code, TokenMatch m)
    {
        var parts = new List<string>();
        if (m.Code is not null) parts.Add($"{x}.{code} = {Add(m.Code)}");
        if (m.Rule == SystemRule.Exact) parts.Add($"{x}.{system} = {Add(m.System)}");
        if (m.Rule == SystemRule.None) parts.Add($"NOT IS_DEFINED({x}.{system})");
        return parts.Count == 0 ? "true" : string.Join(" AND ", parts);
    }

    private string String(string x, string value, StringModifier modifier) => modifier switch
    {
        StringModifier.Exact => $"{x}.e = {Add(value)}",
        StringModifier.Contains => $"CONTAINS({x}.n, {Add(value)})",
        _ => $"STARTSWITH({x}.n, {Add(value)})",
    };

    /// <summary>R4 date prefixes over half-open spans, as the SQLite store: search [ps, pe), indexed value [s, e).</summary>
    private string Date(string x, DateMatch m)
    {
        var (ps, pe) = (Add(CosmosIndexJson.Ms(m.Range.Start)), Add(CosmosIndexJson.CeilingMs(m.Range.End)));
        var (s, e) = ($"{x}.s", $"{x}.e");
        var within = $"({s} >= {ps} AND {e} <= {pe})";
        return m.Prefix switch
        {
            Prefix.Eq => within,
            Prefix.Ne => $"NOT {within}",
            Prefix.Gt => $"{e} > {pe}",
            Prefix.Lt => $"{s} < {ps}",
            Prefix.Ge => $"({e} > {pe} OR {within})",
            Prefix.Le => $"({s} < {ps} OR {within})",
            Prefix.Sa => $"{s} >= {pe}",
            Prefix.Eb => $"{e} <= {ps}",
            Prefix.Ap => Approximately(s, e, m),
            _ => throw new StoreNotSupportedException($"The Cosmos DB store cannot evaluate the date prefix {m.Prefix} yet."),
        };
    }

    /// <summary>ap: overlap with the search span widened by 10% of its distance from now (search.html#prefix), as SQLite.</summary>
    private string Approximately(string s, string e, DateMatch m)
    {
        var (start, end) = (CosmosIndexJson.Ms(m.Range.Start), CosmosIndexJson.CeilingMs(m.Range.End));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return $"({s} < {Add(end + (long)(Math.Abs(end - now) * 0.1))} AND {e} > {Add(start - (long)(Math.Abs(now - start) * 0.1))})";
    }

    private string Reference(string x, ReferenceMatch m)
    {
        var parts = new List<string>();
        if (m.Id is not null) parts.Add($"{x}.ti = {Add(m.Id)}");
        if (m.TargetType is not null) parts.Add($"{x}.tt = {Add(m.TargetType)}");
        var local = parts.Count == 0 ? null : string.Join(" AND ", parts);
        var url = m.Url is null ? null : $"{x}.u = {Add(m.Url)}";
        return (local, url) switch
        {
            (null, null) => "false",
            (not null, null) => local,
            (null, not null) => url,
            _ => $"(({local}) OR {url})",
        };
    }

    private string Uri(string x, string value, UriModifier modifier) => modifier switch
    {
        UriModifier.Above => $"STARTSWITH({Add(value)}, {x}.v)",
        UriModifier.Below => $"STARTSWITH({x}.v, {Add(value)})",
        _ => $"{x}.v = {Add(value)}",
    };

    private string LastUpdated(LastUpdatedCondition u)
    {
        var parts = new List<string>();
        if (u.After is { } after) parts.Add($"c.lum > {Add(CosmosIndexJson.Ms(after))}");
        if (u.NotAfter is { } notAfter) parts.Add($"c.lum <= {Add(CosmosIndexJson.Ms(notAfter))}");
        return parts.Count == 0 ? "true" : "(" + string.Join(" AND ", parts) + ")";
    }

    private static string Or<T>(IEnumerable<T> alternatives, Func<T, string> predicate)
    {
        var parts = alternatives.Select(a => "(" + predicate(a) + ")").ToList();
        return parts.Count == 0 ? "false" : string.Join(" OR ", parts);
    }
}
