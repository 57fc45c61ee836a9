using System.Collections;
using Hl7.Fhir.Model;
using Hl7.Fhir.FhirPath;
using Hl7.FhirPath;

namespace FhirPortal.Core.Patching;

/// <summary>One operation of a FHIRPath Patch: add, insert, delete, replace or move.</summary>
internal sealed class FhirPathPatchOperation
{
    private static readonly FhirPathCompiler Compiler = new();

    private readonly int position;
    private readonly string type;
    private readonly string path;
    private readonly CompiledExpression expression;
    private readonly string? name;
    private readonly Parameters.ParameterComponent? value;
    private readonly int? index;
    private readonly int? source;
    private readonly int? destination;

    private FhirPathPatchOperation(int position, string type, string path, CompiledExpression expression, string? name,
        Parameters.ParameterComponent? value, int? index, int? source, int? destination)
    {
        this.position = position;
        this.type = type;
        this.path = path;
        this.expression = expression;
        this.name = name;
        this.value = value;
        this.index = index;
        this.source = source;
        this.destination = destination;
    }

    public static FhirPathPatchOperation Read(Parameters.ParameterComponent operation, int position)
    {
        var parts = operation.Part;
        var type = Primitive(parts, "type", position, required: true)!;
        if (type is not ("add" or "insert" or "delete" or "replace" or "move"))
            throw Malformed(position, $"type '{type}' is not one of add, insert, delete, replace, move.");
        var path = Primitive(parts, "path", position, required: true)!;
        CompiledExpression expression;
        try
        {
            expression = Compiler.Compile(path);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw Malformed(position, $"path '{path}' is not a valid FHIRPath expression: {e.Message}");
        }
        var name = Primitive(parts, "name", position, required: type == "add");
        var value = parts.FirstOrDefault(p => p.Name == "value");
        if (type is "add" or "insert" or "replace" && value is null || value is { Value: null, Part.Count: 0 })
            throw Malformed(position, $"a '{type}' operation needs a value.");
        return new FhirPathPatchOperation(position, type, path, expression, name, value,
            Integer(parts, "index", position, required: type == "insert"),
            Integer(parts, "source", position, required: type == "move"),
            Integer(parts, "destination", position, required: type == "move"));
    }

    public void Apply(Resource resource)
    {
        switch (type)
        {
            case "add": Add(resource); break;
            case "insert": Insert(resource); break;
            case "delete": Delete(resource); break;
            case "replace": Replace(resource); break;
            default: Move(resource); break;
        }
    }

    private void Add(Resource resource)
    {
        var container = Single(resource).Poco;
        var property = Property(container, name!);
        var item = ValueFor(property);
        if (property.IsCollection)
            List(container, property).Add(item);
        else if (container.TryGetValue(property.Name, out var existing) && existing is not null)
            throw Fail($"'{path}' already has a '{name}'; use replace to change it.");
        else
            container.SetValue(property.Name, item);
    }

    private void Insert(Resource resource)
    {
        var (list, property) = FindList(resource);
        if (index < 0 || index > list.Count)
            throw Fail($"index {index} is outside the list '{path}', which has {list.Count} items.");
        list.Insert(index!.Value, ValueFor(property));
    }

    private void Delete(Resource resource)
    {
        var matches = Evaluate(resource);
        // The spec makes a delete of something absent a no-op, so that deletes can be repeated safely.
        if (matches.Count == 0) return;
        if (matches.Count > 1)
            throw Fail($"'{path}' matches {matches.Count} elements; a delete needs exactly one.");
        var (parent, property, at) = Locate(matches[0]);
        if (at is { } i && property.IsCollection)
            List(parent, property).RemoveAt(i);
        else
            parent.SetValue(property.Name, null);
    }

    private void Replace(Resource resource)
    {
        var (parent, property, at) = Locate(Single(resource));
        var item = ValueFor(property);
        if (at is { } i && property.IsCollection)
            List(parent, property)[i] = item;
        else
            parent.SetValue(property.Name, item);
    }

    private void Move(Resource resource)
    {
        var (list, _) = FindList(resource);
        if (source < 0 || source >= list.Count || destination < 0 || destination >= list.Count)
            throw Fail($"source {source} and destination {destination} must both be indexes into '{path}', which has {list.Count} items.");
        var item = list[source!.Value];
        list.RemoveAt(source.Value);
        list.Insert(destination!.Value, item);
    }

    private List<PocoNode> Evaluate(Resource resource)
    {
        try
        {
            return expression(resource.ToPocoNode(), new FhirEvaluationContext()).ToList();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or InvalidCastException)
        {
            throw Fail($"'{path}' could not be evaluated: {e.Message}");
        }
    }

    private PocoNode Single(Resource resource)
    {
        var matches = Evaluate(resource);
        return matches.Count == 1
            ? matches[0]
            : throw Fail($"'{path}' matches {matches.Count} elements; a {type} needs exactly one.");
    }

    /// <summary>
    /// The list a path names: the items it selects all sit in one list; when it selects nothing the list is empty and
    /// is found through its parent (the path minus its last step).
    /// </summary>
    private (IList List, Hl7.Fhir.Introspection.PropertyMapping Property) FindList(Resource resource)
    {
        var matches = Evaluate(resource);
        if (matches.Count > 0)
        {
            var (parent, property, _) = Locate(matches[0]);
            if (!property.IsCollection || matches.Any(m => !ReferenceEquals(m.Parent?.Poco, parent) || m.Name != matches[0].Name))
                throw Fail($"'{path}' does not select one repeating element.");
            return (List(parent, property), property);
        }
        var dot = path.LastIndexOf('.');
        var last = dot < 0 ? "" : path[(dot + 1)..];
        if (last.Length == 0 || !last.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw Fail($"'{path}' matches nothing, so there is no list to {type} into.");
        var containerPath = path[..dot];
        var containers = Compiler.Compile(containerPath)(resource.ToPocoNode(), new FhirEvaluationContext()).ToList();
        if (containers.Count != 1)
            throw Fail($"'{containerPath}' matches {containers.Count} elements; the list '{path}' needs exactly one parent.");
        var container = containers[0].Poco;
        var listProperty = Property(container, last);
        if (!listProperty.IsCollection)
            throw Fail($"'{path}' is not a repeating element.");
        return (List(container, listProperty), listProperty);
    }

    private (Base Parent, Hl7.Fhir.Introspection.PropertyMapping Property, int? Index) Locate(PocoNode node)
    {
        if (node.Parent is not { } parent)
            throw Fail($"'{path}' selects the resource itself, which a patch cannot {type}.");
        return (parent.Poco, Property(parent.Poco, node.Name), node.Index);
    }

    private Hl7.Fhir.Introspection.PropertyMapping Property(Base container, string element) =>
        ModelInfo.ModelInspector.FindOrImportClassMapping(container.GetType())?.FindMappedElementByName(element)
        ?? throw Fail($"{container.TypeName} has no element '{element}'.");

    private static IList List(Base container, Hl7.Fhir.Introspection.PropertyMapping property)
    {
        if (container.TryGetValue(property.Name, out var existing) && existing is IList list)
            return list;
        var created = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(property.ImplementingType))!;
        container.SetValue(property.Name, created);
        // Some POCO setters copy the list; read it back so items go into the one the resource holds.
        return container.TryGetValue(property.Name, out var stored) && stored is IList held ? held : created;
    }

    private Base ValueFor(Hl7.Fhir.Introspection.PropertyMapping property) =>
        Build(value!, property.ImplementingType, property.Name);

    /// <summary>Turns a value part into an instance of the target type: a typed value[x], or nested parts for a complex one.</summary>
    private Base Build(Parameters.ParameterComponent part, Type target, string element)
    {
        if (part.Value is { } given)
            return Convert(given, target, element);
        if (part.Resource is { } resource)
            return Convert(resource, target, element);
        if (target.IsAbstract || !typeof(Base).IsAssignableFrom(target) || typeof(PrimitiveType).IsAssignableFrom(target))
            throw Fail($"'{element}' takes a {target.Name} value, which cannot be built from parts.");
        var instance = (Base)Activator.CreateInstance(target)!;
        foreach (var child in part.Part)
        {
            var property = Property(instance, child.Name ?? throw Fail($"Every part of '{element}' needs a name."));
            var item = Build(child, property.ImplementingType, child.Name);
            if (property.IsCollection) List(instance, property).Add(item);
            else instance.SetValue(property.Name, item);
        }
        return instance;
    }

    private Base Convert(Base given, Type target, string element)
    {
        if (target.IsInstanceOfType(given)) return given.DeepCopy();
        // A valueCode arrives as Code; the element may be a Code<TEnum>, a Markdown for a valueString, and so on.
        if (given is PrimitiveType primitive && typeof(PrimitiveType).IsAssignableFrom(target) && !target.IsAbstract)
        {
            var converted = (PrimitiveType)Activator.CreateInstance(target)!;
            var mapping = ModelInfo.ModelInspector.FindOrImportClassMapping(target);
            var expected = mapping?.PrimitiveValueProperty?.ImplementingType;
            if (primitive.JsonValue is null || expected is null || expected.IsInstanceOfType(primitive.JsonValue) || target.IsGenericType)
            {
                converted.JsonValue = primitive.JsonValue;
                converted.ElementId = primitive.ElementId;
                converted.Extension = [.. primitive.Extension.Select(x => (Extension)x.DeepCopy())];
                return converted;
            }
        }
        throw Fail($"a {given.TypeName} value cannot go into '{element}', which takes {target.Name}.");
    }

    private FhirOutcomeException Fail(string message) =>
        FhirOutcomeException.Unprocessable($"FHIRPath Patch operation {position} ({type}): {message}", $"Parameters.parameter[{position}]");

    private static FhirOutcomeException Malformed(int position, string message) =>
        FhirOutcomeException.BadRequest($"FHIRPath Patch operation {position}: {message}", $"Parameters.parameter[{position}]");

    private static string? Primitive(List<Parameters.ParameterComponent> parts, string part, int position, bool required)
    {
        var found = parts.FirstOrDefault(p => p.Name == part);
        if (found?.Value is PrimitiveType { JsonValue: { } v }) return System.Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture);
        return required ? throw Malformed(position, $"the '{part}' part is missing.") : null;
    }

    private static int? Integer(List<Parameters.ParameterComponent> parts, string part, int position, bool required)
    {
        var found = parts.FirstOrDefault(p => p.Name == part);
        if (found?.Value is Integer { Value: { } v }) return v;
        if (found is not null) throw Malformed(position, $"the '{part}' part must be a valueInteger.");
        return required ? throw Malformed(position, $"the '{part}' part is missing.") : null;
    }
}
