namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// A Cosmos SQL predicate in disjunctive normal form: OR of ANDs of atoms. Written out it needs no parentheses (AND
/// binds tighter than OR), which matters because the test emulator's parser takes exponential time in parenthesis
/// depth (each level costs about five times more); the real service does not care either way.
/// </summary>
internal sealed record CosmosDnf(IReadOnlyList<IReadOnlyList<string>> Terms)
{
    public static readonly CosmosDnf True = new([[]]);
    public static readonly CosmosDnf False = new([]);

    public static CosmosDnf Atom(string atom) => new([[atom]]);

    /// <summary>All of the parts hold (the cross product of their terms).</summary>
    public static CosmosDnf All(params IEnumerable<CosmosDnf> parts) =>
        parts.Aggregate(True, (all, part) =>
            new CosmosDnf(all.Terms.SelectMany(t => part.Terms.Select(u => (IReadOnlyList<string>)[.. t, .. u])).ToList()));

    /// <summary>Any of the parts holds.</summary>
    public static CosmosDnf Any(params IEnumerable<CosmosDnf> parts) => new(parts.SelectMany(p => p.Terms).ToList());

    public override string ToString() => Terms.Count == 0
        ? "false"
        : string.Join(" OR ", Terms.Select(t => t.Count == 0 ? "true" : string.Join(" AND ", t)));

    /// <summary>The predicate as one operand (safe under AND and NOT): parenthesised unless it is a single atom.</summary>
    public string Operand => Terms is [[_]] or [] or [[]] ? ToString() : $"({this})";
}
