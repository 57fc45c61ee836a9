using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>One search parameter as it applies to one resource type, with the FhirPath expression narrowed to that type.</summary>
public sealed record SearchParameterInfo(
    string ResourceType,
    string Name,
    string Url,
    SearchParamType Type,
    string? Expression,
    IReadOnlyList<string> Targets)
{
    /// <summary>For a composite: its components in order (indexed and searched as "<c>Name#i</c>").</summary>
    public IReadOnlyList<CompositeComponent> Components { get; init; } = [];

    /// <summary>The resource elements the expression starts from; null when it must always be evaluated (see <see cref="ExpressionRoots"/>).</summary>
    internal IReadOnlyList<string>? Roots { get; } = ExpressionRoots.Of(Expression, ResourceType);

    /// <summary>A date parameter with at most one indexed value per resource (see <see cref="ValueCardinality"/>).</summary>
    public bool SingleDateValue { get; } = Type == SearchParamType.Date && ValueCardinality.IsSingleDate(Expression, ResourceType);
}

/// <summary>One component of a composite parameter: its value type and the FhirPath evaluated on each composite occurrence.</summary>
public sealed record CompositeComponent(SearchParamType Type, string Expression);
