using System.Collections;
using System.Collections.Concurrent;
using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>One step of a <see cref="CompiledPath"/>: maps the collection selected so far to the next one.</summary>
internal abstract class PathStep
{
    /// <summary>Appends this step's result for <paramref name="input"/>; false when a value is outside what the step decides.</summary>
    public abstract bool Apply(List<Base> input, Resource root, List<Base> output);
}

/// <summary>
/// <c>.name</c>: the element's values by FhirPath name. A capitalised name is a type name and keeps a node of that
/// type (or any node for Resource/DomainResource), as the interpreter does for the <c>Patient.</c> in <c>Patient.name</c>.
/// </summary>
internal sealed class ChildStep(string name) : PathStep
{
    private readonly bool _typeName = char.IsUpper(name[0]);
    private readonly bool _anyResource = name is "Resource" or "DomainResource";

    public override bool Apply(List<Base> input, Resource root, List<Base> output)
    {
        foreach (var node in input)
        {
            if (_typeName)
            {
                if (_anyResource || node.TypeName == name) output.Add(node);
                continue;
            }
            if (!node.TryGetValue(name, out var value))
            {
                // The POCO keeps some children as plain .NET values TryGetValue does not return (a primitive's value, an
                // element's id, an extension's url); the interpreter reads them as System values: leave those to it.
                if (IsAttribute(node, name)) return false;
                continue;
            }
            if (value is Base single) output.Add(single);
            else if (value is IList list)
            {
                foreach (var item in list)
                    if (item is Base element) output.Add(element);
            }
            // Any other value is a plain .NET one, a System value for the interpreter.
            else if (value is not null) return false;
        }
        return true;
    }

    private static bool IsAttribute(Base node, string name) => name switch
    {
        "value" => node is PrimitiveType,
        "id" => node is Element,
        "url" => node is Extension,
        _ => false,
    };
}

/// <summary><c>ofType(X)</c>, <c>as(X)</c>, <c>x as X</c>: the nodes of type X or a subtype.</summary>
internal sealed class TypeStep(string type) : PathStep
{
    public override bool Apply(List<Base> input, Resource root, List<Base> output)
    {
        foreach (var node in input)
            if (TypeTest.Is(node.GetType(), node.TypeName, type)) output.Add(node);
        return true;
    }
}

/// <summary><c>[n]</c>: the n-th node of the whole collection.</summary>
internal sealed class ItemStep(int index) : PathStep
{
    public override bool Apply(List<Base> input, Resource root, List<Base> output)
    {
        if (index < input.Count) output.Add(input[index]);
        return true;
    }
}

/// <summary>
/// <c>where(resolve() is X)</c> on references: the type <see cref="ReferenceResolver"/> gives the interpreter's
/// <c>resolve()</c> (a contained resource for "#id", the type named by a relative or absolute literal reference).
/// </summary>
internal sealed class ResolvesToStep(string type) : PathStep
{
    public override bool Apply(List<Base> input, Resource root, List<Base> output)
    {
        foreach (var node in input)
        {
            // resolve() also reads plain uri/string values; no R4 definition filters those, so leave them to the interpreter.
            if (node is not ResourceReference reference) return false;
            switch (ReferenceResolver.TargetType(root, reference.Reference))
            {
                case { IsAbstract: true }:
                    return false; // the interpreter fails on such a reference: let it
                case { } target when TypeTest.Is(target, ModelInfo.GetFhirTypeNameForType(target) ?? target.Name, type):
                    output.Add(node);
                    break;
            }
        }
        return true;
    }
}

/// <summary><c>where(element = 'literal')</c> for string-valued elements (code, string, uri): FhirPath equality of one value.</summary>
internal sealed class EqualsStep(string element, string literal) : PathStep
{
    public override bool Apply(List<Base> input, Resource root, List<Base> output)
    {
        foreach (var node in input)
        {
            if (!node.TryGetValue(element, out var value)) continue;
            if (value is IList list)
            {
                // A collection equals a single value only when it holds exactly one equal item.
                if (list.Count != 1) continue;
                value = list[0];
            }
            // FhirPath strings; other primitives (dates, numbers, ...) compare by their own rules: leave them to the interpreter.
            if (value is not (FhirString or Code or Id or Markdown or FhirUri or FhirUrl or Canonical or Oid or Uuid)) return false;
            var text = ((PrimitiveType)value).JsonValue as string;
            if (text is null) continue; // no value: the comparison is empty, so the node is not kept
            if (string.Equals(text, literal, StringComparison.Ordinal)) output.Add(node);
        }
        return true;
    }
}

/// <summary>
/// FhirPath's type test on the POCO model: the instance's FHIR type or the FHIR type of any of its model classes (Age is a
/// Quantity, Patient a Resource), a bare name meaning FHIR.name or System.name. Only FHIR type names count: the SDK's class
/// names differ from them in case (class Date is FHIR date), and FhirPath type names are case-sensitive. Cached per (class, type name).
/// </summary>
internal static class TypeTest
{
    private static readonly ConcurrentDictionary<(Type Clr, string Declared), bool> Cache = new();

    public static bool Is(Type clr, string fhirTypeName, string declared) =>
        Cache.GetOrAdd((clr, declared), static (key, name) => Compute(key.Clr, name, key.Declared), fhirTypeName);

    private static bool Compute(Type clr, string fhirTypeName, string declared)
    {
        for (var t = clr; t is not null && t != typeof(object); t = t.BaseType)
            if (ModelInfo.GetFhirTypeNameForType(t) is { } name && Matches(name, declared)) return true;
        return Matches(fhirTypeName, declared);
    }

    private static bool Matches(string instanceType, string declared)
    {
        var qualified = instanceType.Contains('.') ? instanceType : "FHIR." + instanceType;
        return declared.Contains('.') ? qualified == declared : qualified == "FHIR." + declared || qualified == "System." + declared;
    }
}
