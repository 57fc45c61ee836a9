using Hl7.Fhir.Model;

namespace FhirPortal.Core.Validation;

/// <summary>One element definition placed in its tree: named children, and the slices defined on it.</summary>
public sealed class ElementNode(string id, string name, ElementDefinition definition)
{
    public string Id { get; } = id;
    /// <summary>The last path segment as the definition writes it, e.g. <c>effective[x]</c> or <c>valueQuantity</c>.</summary>
    public string Name { get; } = name;
    public ElementDefinition Definition { get; set; } = definition;
    public List<ElementNode> Children { get; } = [];
    public List<ElementNode> Slices { get; } = [];

    private Dictionary<string, ElementNode>? _byName;

    /// <summary>The child rule for an instance element name (choice elements by their base name).</summary>
    public ElementNode? Child(string name)
    {
        // Built on first use, after the tree is complete; a race only builds the same map twice.
        var map = _byName ??= Children.GroupBy(c => c.BaseName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return map.GetValueOrDefault(name);
    }

    public bool IsChoice => Name.EndsWith("[x]", StringComparison.Ordinal);
    public string BaseName => IsChoice ? Name[..^3] : Name;
}

/// <summary>
/// A StructureDefinition's elements as a tree, built from element ids (<c>Patient.identifier:MRN.system</c>).
/// Used for core snapshots (every element) and for compiled profiles (only the constrained elements).
/// </summary>
public sealed class ElementTree
{
    private readonly Dictionary<string, ElementNode> _byId = new(StringComparer.Ordinal);

    public ElementTree(string url, string type, IEnumerable<ElementDefinition> elements)
    {
        Url = url;
        Type = type;
        Root = new ElementNode(type, type, new ElementDefinition { Path = type });
        _byId[type] = Root;
        foreach (var element in elements) Place(element);
    }

    public string Url { get; }
    public string Type { get; }
    public ElementNode Root { get; }

    /// <summary>The node a <c>contentReference</c> (<c>#Questionnaire.item</c>) points at.</summary>
    public ElementNode? ByPath(string path) => _byId.GetValueOrDefault(path);

    private void Place(ElementDefinition element)
    {
        var id = element.ElementId ?? element.Path + (element.SliceName is { } s ? ":" + s : "");
        if (id == Type)
        {
            Root.Definition = element;
            return;
        }
        Node(id).Definition = element;
    }

    // Creates the node for an id, and any ancestors or sliced parents the element list did not mention.
    private ElementNode Node(string id)
    {
        if (_byId.TryGetValue(id, out var known)) return known;
        var dot = id.LastIndexOf('.');
        if (dot < 0) return Root;
        var segment = id[(dot + 1)..];
        var colon = segment.IndexOf(':');
        ElementNode node;
        if (colon > 0)
        {
            var sliced = Node(id[..dot] + "." + segment[..colon]);
            node = new ElementNode(id, segment[..colon], new ElementDefinition { SliceName = segment[(colon + 1)..] });
            sliced.Slices.Add(node);
        }
        else
        {
            node = new ElementNode(id, segment, new ElementDefinition());
            Node(id[..dot]).Children.Add(node);
        }
        _byId[id] = node;
        return node;
    }
}
