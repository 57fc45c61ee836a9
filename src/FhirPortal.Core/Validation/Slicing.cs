using System.Collections;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.ElementDefinition;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Assigns a repetition to a slice by its value/pattern discriminators (slicing.html#discriminator): the fixed or
/// pattern value the slice sets at the discriminator path must match the item's value there.
/// </summary>
internal static class Slicing
{
    public static bool Matches(SlicingComponent? slicing, ElementNode slice, Base item)
    {
        var discriminators = slicing?.Discriminator.Where(d => d.Type is DiscriminatorType.Value or DiscriminatorType.Pattern).ToList();
        if (discriminators is null || discriminators.Count == 0)
            return Expected(slice.Definition) is { } self && Holds(slice.Definition, self, [item]);
        foreach (var discriminator in discriminators)
        {
            var path = discriminator.Path ?? "$this";
            var definition = path == "$this" ? slice.Definition : Descendant(slice, path.Split('.'))?.Definition;
            if (definition is null || Expected(definition) is not { } expected) return false;
            if (!Holds(definition, expected, Navigate(item, path))) return false;
        }
        return true;
    }

    private static DataType? Expected(ElementDefinition definition) => definition.Fixed ?? definition.Pattern;

    private static bool Holds(ElementDefinition definition, DataType expected, List<Base> actual) =>
        actual.Any(a => definition.Fixed is not null ? a.IsExactly(expected) : a.Matches(expected));

    private static ElementNode? Descendant(ElementNode node, string[] segments)
    {
        foreach (var segment in segments)
        {
            node = node.Children.FirstOrDefault(c => c.Name == segment || c.BaseName == segment)!;
            if (node is null) return null;
        }
        return node;
    }

    private static List<Base> Navigate(Base item, string path)
    {
        List<Base> current = [item];
        if (path == "$this") return current;
        foreach (var segment in path.Split('.'))
        {
            var next = new List<Base>();
            foreach (var value in current)
            foreach (var (name, element) in value.EnumerateElements())
            {
                if (name != segment) continue;
                if (element is IList list) next.AddRange(list.OfType<Base>());
                else if (element is Base single) next.Add(single);
            }
            current = next;
        }
        return current;
    }
}
