using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>
/// Whether a date parameter's expression yields at most one indexed value per resource: a plain path of elements
/// that never repeat (<c>Slot.start</c>, <c>Encounter.period</c>), ending in a date, dateTime, instant or Period (a Timing
/// gives a value per event). Then a store may test several conditions of the parameter on the same index row, which
/// is what lets a date range be one index range scan; any other expression is taken as multi-valued.
/// </summary>
internal static partial class ValueCardinality
{
    private static readonly HashSet<Type> SingleValueTypes = [typeof(Date), typeof(FhirDateTime), typeof(Instant), typeof(Period)];

    public static bool IsSingleDate(string? expression, string resourceType)
    {
        if (string.IsNullOrWhiteSpace(expression) || ExpressionNarrowing.SplitTopLevelUnion(expression).Count != 1) return false;
        var text = expression.Trim();
        while (text.Length > 1 && text[0] == '(' && text[^1] == ')') text = text[1..^1].Trim();
        var path = Path().Match(text);
        if (!path.Success || path.Groups["type"].Value != resourceType) return false;

        var mapping = ModelInfo.ModelInspector.FindClassMapping(resourceType);
        Type[] types = [];
        foreach (var step in path.Groups["step"].Captures.Select(c => c.Value))
        {
            if (mapping?.FindMappedElementByName(step) is not { IsCollection: false } property) return false;
            types = property.FhirType;
            mapping = types.Length == 1 ? ModelInfo.ModelInspector.FindOrImportClassMapping(types[0]) : null;
        }
        if (path.Groups["cast"].Success)
            types = types.Where(t => ModelInfo.GetFhirTypeNameForType(t) == path.Groups["cast"].Value).ToArray();
        return types.Length > 0 && types.All(SingleValueTypes.Contains);
    }

    // Type.element[.element...] optionally cast with "as X" or ".as(X)"; nothing else.
    [GeneratedRegex(@"^(?<type>[A-Z][A-Za-z]+)(\.(?<step>[a-z][A-Za-z0-9]*))+(\s+as\s+(?<cast>[A-Za-z]+)|\.as\((?<cast>[A-Za-z]+)\))?$")]
    private static partial Regex Path();
}
