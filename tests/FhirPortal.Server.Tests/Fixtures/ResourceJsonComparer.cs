using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Tests.Fixtures;

/// <summary>
/// Compares a resource the server returned with the JSON it was created from, by meaning rather than by bytes:
/// object members in any order, numbers by decimal value, base64Binary by decoded bytes, and without the
/// fields the server owns (the root <c>id</c>, <c>meta.versionId</c>, <c>meta.lastUpdated</c>; a <c>meta</c> left
/// empty counts as absent). The walk follows the FHIR type of each element (from the SDK's model) so that the
/// relaxed rules apply only to the elements whose type calls for them.
/// </summary>
public static class ResourceJsonComparer
{
    private static readonly ModelInspector Model = ModelInfo.ModelInspector;
    private static readonly ClassMapping ElementMapping = Model.FindOrImportClassMapping(typeof(Element))!;

    /// <summary>The differences, each as "path: what differs"; empty when the two are the same content.</summary>
    public static List<string> Differences(JsonNode expected, JsonNode actual, bool throughXml = false)
    {
        var differences = new List<string>();
        var e = WithoutServerFields(expected);
        var a = WithoutServerFields(actual);
        Compare(e, a, MappingOf(e, null), "", throughXml, differences);
        return differences;
    }

    private static JsonObject WithoutServerFields(JsonNode resource)
    {
        var copy = resource.DeepClone().AsObject();
        copy.Remove("id");
        if (copy["meta"] is JsonObject meta)
        {
            meta.Remove("versionId");
            meta.Remove("lastUpdated");
            if (meta.Count == 0) copy.Remove("meta");
        }
        return copy;
    }

    private static void Compare(JsonNode? e, JsonNode? a, ClassMapping? type, string path, bool throughXml, List<string> differences)
    {
        switch (e, a)
        {
            case (null, null):
                return;
            case (JsonObject eo, JsonObject ao):
                type = MappingOf(eo, type);
                foreach (var name in eo.Select(p => p.Key).Union(ao.Select(p => p.Key)))
                {
                    var at = $"{path}.{name}";
                    if (!eo.ContainsKey(name)) differences.Add($"{at}: not in the source, returned {Show(ao[name])}");
                    else if (!ao.ContainsKey(name)) differences.Add($"{at}: missing, the source has {Show(eo[name])}");
                    else Compare(eo[name], ao[name], ChildMapping(type, name), at, throughXml, differences);
                }
                return;
            case (JsonArray ea, JsonArray aa):
                if (ea.Count != aa.Count) differences.Add($"{path}: {ea.Count} items in the source, {aa.Count} returned");
                for (var i = 0; i < Math.Min(ea.Count, aa.Count); i++) Compare(ea[i], aa[i], type, $"{path}[{i}]", throughXml, differences);
                return;
            case (JsonValue ev, JsonValue av):
                if (!SameValue(ev, av, type, throughXml))
                    differences.Add($"{path}: source {Show(ev)}, returned {Show(av)}");
                return;
            default:
                differences.Add($"{path}: source {Show(e)}, returned {Show(a)}");
                return;
        }
    }

    private static bool SameValue(JsonValue e, JsonValue a, ClassMapping? type, bool throughXml)
    {
        var (ek, ak) = (e.GetValueKind(), a.GetValueKind());
        if (ek != ak) return false;
        if (ek == JsonValueKind.Number)
            return e.TryGetValue<decimal>(out var ed) && a.TryGetValue<decimal>(out var ad) ? ed == ad : e.ToJsonString() == a.ToJsonString();
        if (ek != JsonValueKind.String) return e.ToJsonString() == a.ToJsonString();

        var (es, @as) = (e.GetValue<string>(), a.GetValue<string>());
        if (type?.NativeType == typeof(Base64Binary)) return SameBase64(es, @as);
        if (!throughXml) return es == @as;
        // Through XML, two differences are forced by the format; nothing else is forgiven:
        //  - the narrative div travels as XHTML markup, not as a string, so its lexical form is the XML writer's
        //    (&quot; becomes ", <br/> becomes <br />). Both sides are parsed as XML and compared re-serialised;
        //    whitespace, text nodes included, stays significant.
        //  - FHIR XML says leading and trailing whitespace of a primitive value SHOULD be removed
        //    (https://hl7.org/fhir/R4/datatypes.html#string) and the SDK's XML writer does so ("Donald Duck "
        //    becomes "Donald Duck"); only the ends of string values are trimmed, inner whitespace must match.
        if (type?.NativeType == typeof(XHtml)) return XhtmlText.Normalise(es) == XhtmlText.Normalise(@as);
        return es.Trim() == @as.Trim();
    }

    /// <summary>The server stores base64Binary as bytes and writes them back in canonical form (no line breaks).</summary>
    private static bool SameBase64(string e, string a)
    {
        static byte[]? Decode(string s)
        {
            var compact = string.Concat(s.Where(c => !char.IsWhiteSpace(c)));
            var buffer = new byte[compact.Length];
            return Convert.TryFromBase64String(compact, buffer, out var n) ? buffer[..n] : null;
        }
        var (eb, ab) = (Decode(e), Decode(a));
        return eb is not null && ab is not null ? eb.AsSpan().SequenceEqual(ab) : e == a;
    }

    /// <summary>The type of an object: for a resource (root, contained, entry) the one its resourceType names.</summary>
    private static ClassMapping? MappingOf(JsonObject node, ClassMapping? declared) =>
        node["resourceType"] is JsonValue rt && rt.TryGetValue<string>(out var name)
            ? Model.FindClassMapping(name) ?? declared
            : declared;

    private static ClassMapping? ChildMapping(ClassMapping? parent, string name)
    {
        if (parent is null || name == "resourceType") return null;
        // "_given" holds the id and extensions of a primitive: an Element.
        if (name.StartsWith('_')) return ElementMapping;
        if (parent.FindMappedElementByName(name) is { } property && property.Choice != ChoiceType.DatatypeChoice)
            return Model.FindOrImportClassMapping(property.ImplementingType);
        if (parent.FindMappedElementByChoiceName(name) is { } choice)
        {
            var suffix = name[choice.Name.Length..];
            return Model.FindClassMapping(suffix) ?? Model.FindClassMapping(char.ToLowerInvariant(suffix[0]) + suffix[1..]);
        }
        return null;
    }

    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString(Readable) ?? "null";
        return text.Length <= 120 ? text : text[..117] + "...";
    }
}
