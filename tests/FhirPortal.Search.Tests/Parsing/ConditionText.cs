using System.Collections;
using System.Globalization;
using System.Reflection;

namespace FhirPortal.Search.Tests;

/// <summary>
/// Structural comparison of search conditions: records holding lists compare those lists by reference, so tests
/// compare a canonical rendering instead (decimals without trailing zeros, lists element by element).
/// </summary>
internal static class ConditionText
{
    public static void AssertSame(SearchCondition expected, SearchCondition actual) =>
        Assert.Equal(Render(expected), Render(actual));

    public static string Render(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        decimal d => (d / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture),
        Enum or bool or int or FhirDateRange => value.ToString()!,
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Render)) + "]",
        _ => value.GetType().Name + "{" + string.Join(", ", value.GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != "EqualityContract")
            .Select(p => $"{p.Name}={Render(p.GetValue(value))}")) + "}",
    };
}
