using System.Text.Json.Nodes;

namespace FhirPortal.Core.Patching;

/// <summary>One operation of a JSON Patch document (RFC 6902 §4), validated when read.</summary>
internal sealed class JsonPatchOperation
{
    private readonly int position;
    private readonly string op;
    private readonly JsonPointer path;
    private readonly JsonPointer? from;
    private readonly JsonNode? value;

    private JsonPatchOperation(int position, string op, JsonPointer path, JsonPointer? from, JsonNode? value)
    {
        this.position = position;
        this.op = op;
        this.path = path;
        this.from = from;
        this.value = value;
    }

    public static JsonPatchOperation Read(JsonNode? node, int position)
    {
        if (node is not JsonObject obj)
            throw Malformed(position, null, "it is not a JSON object.");
        var op = RequiredString(obj, "op", position);
        if (op is not ("add" or "remove" or "replace" or "move" or "copy" or "test"))
            throw Malformed(position, "op", $"'{op}' is not a JSON Patch operation (add, remove, replace, move, copy, test).");
        var path = RequiredPointer(obj, "path", position);
        var from = op is "move" or "copy" ? RequiredPointer(obj, "from", position) : null;
        JsonNode? value = null;
        if (op is "add" or "replace" or "test" && !obj.TryGetPropertyValue("value", out value))
            throw Malformed(position, "value", $"'value' is missing; '{op}' needs one.", op);
        if (op == "move" && from!.IsProperPrefixOf(path))
            throw Malformed(position, "from", $"it moves '{from}' into its own child '{path}'.", op);
        return new JsonPatchOperation(position, op, path, from, value?.DeepClone());
    }

    /// <summary>Applies the operation and returns the (possibly new) document root.</summary>
    public JsonNode? Apply(JsonNode? root) => op switch
    {
        "add" => Add(root, path, value?.DeepClone(), "path"),
        "remove" => Remove(root, path, "path", out _),
        "replace" => Replace(root),
        "move" => from!.SameAs(path) ? Require(root, from, "from") : Add(Remove(root, from, "from", out var moved), path, moved, "path"),
        "copy" => Add(root, path, Require(root, from!, "from")?.DeepClone(), "path"),
        _ => Test(root),
    };

    private JsonNode? Add(JsonNode? root, JsonPointer target, JsonNode? item, string member)
    {
        if (target.IsRoot) return item;
        if (!target.TryResolveParent(root, out var parent))
            throw Fail(member, $"'{target}' has no parent in the resource to add to.");
        switch (parent)
        {
            case JsonObject obj:
                obj[target.Last] = item;
                break;
            case JsonArray array when target.Last == "-":
                array.Add(item);
                break;
            case JsonArray array when JsonPointer.TryIndex(target.Last, array.Count + 1, out var index):
                array.Insert(index, item);
                break;
            case JsonArray array:
                throw Fail(member, $"'{target}': '{target.Last}' is not an index from 0 to {array.Count} or '-'.");
            default:
                throw Fail(member, $"'{target}': the parent is neither an object nor an array.");
        }
        return root;
    }

    private JsonNode? Remove(JsonNode? root, JsonPointer target, string member, out JsonNode? removed)
    {
        if (target.IsRoot)
            throw Fail(member, "it cannot remove the whole resource.");
        target.TryResolveParent(root, out var parent);
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(target.Last, out removed):
                obj.Remove(target.Last);
                return root;
            case JsonArray array when JsonPointer.TryIndex(target.Last, array.Count, out var index):
                removed = array[index];
                array.RemoveAt(index);
                return root;
            default:
                throw Missing(target, member);
        }
    }

    private JsonNode? Replace(JsonNode? root)
    {
        var item = value?.DeepClone();
        if (path.IsRoot) return item;
        path.TryResolveParent(root, out var parent);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(path.Last):
                obj[path.Last] = item;
                return root;
            case JsonArray array when JsonPointer.TryIndex(path.Last, array.Count, out var index):
                array[index] = item;
                return root;
            default:
                throw Missing(path, "path");
        }
    }

    private JsonNode? Test(JsonNode? root)
    {
        if (!path.TryResolve(root, out var actual))
            throw FhirOutcomeException.Unprocessable($"JSON Patch operation {position} (test) failed: '{path}' does not exist.", $"[{position}].path");
        if (!JsonNode.DeepEquals(actual, value))
            throw FhirOutcomeException.Unprocessable(
                $"JSON Patch operation {position} (test) failed: '{path}' is {actual?.ToJsonString() ?? "null"}, not {value?.ToJsonString() ?? "null"}.",
                $"[{position}].value");
        return root;
    }

    private JsonNode? Require(JsonNode? root, JsonPointer target, string member) =>
        target.TryResolve(root, out var node) ? node : throw Missing(target, member);

    private FhirOutcomeException Missing(JsonPointer target, string member) =>
        Fail(member, $"'{target}' does not exist in the resource.");

    private static string RequiredString(JsonObject obj, string member, int position) =>
        obj.TryGetPropertyValue(member, out var node) && node is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw Malformed(position, member, $"'{member}' is missing or not a string.");

    private static JsonPointer RequiredPointer(JsonObject obj, string member, int position)
    {
        var text = RequiredString(obj, member, position);
        return JsonPointer.TryParse(text)
               ?? throw Malformed(position, member, $"'{text}' is not a JSON Pointer (one is empty or starts with '/', and '~' only appears as '~0' or '~1').");
    }

    // The document is well-formed but does not fit this resource: 422, as for a failed test.
    private FhirOutcomeException Fail(string member, string message) =>
        FhirOutcomeException.Unprocessable($"JSON Patch operation {position} ({op}): {message}", $"[{position}].{member}");

    private static FhirOutcomeException Malformed(int at, string? member, string message, string? op = null) =>
        FhirOutcomeException.BadRequest(
            $"JSON Patch operation {at}{(op is null ? "" : $" ({op})")}: {message}",
            member is null ? $"[{at}]" : $"[{at}].{member}");
}
