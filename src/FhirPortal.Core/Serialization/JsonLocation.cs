using System.Text;
using System.Text.Json;

namespace FhirPortal.Core.Serialization;

/// <summary>
/// Follows a <see cref="Utf8JsonReader"/> token by token and knows where it is, as a FHIRPath-like location
/// (<c>Patient.name[0].family</c>) for error messages, and as property/index segments for finding the element.
/// </summary>
internal sealed class JsonLocation
{
    // An object frame holds its current property name; an array frame the index of its current item.
    private readonly List<(string? Name, int Index, bool IsArray)> _frames = [];
    private string? _rootType;

    /// <summary>Call after each Read, before looking at the token.</summary>
    public void Enter(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName:
                var name = reader.GetString();
                _frames[^1] = (name, 0, false);
                break;
            case JsonTokenType.EndObject or JsonTokenType.EndArray:
                _frames.RemoveAt(_frames.Count - 1);
                break;
            default:
                if (_frames.Count > 0 && _frames[^1].IsArray) _frames[^1] = (null, _frames[^1].Index + 1, true);
                if (reader.TokenType is JsonTokenType.StartObject) _frames.Add((null, 0, false));
                else if (reader.TokenType is JsonTokenType.StartArray) _frames.Add((null, -1, true));
                break;
        }
    }

    /// <summary>Call for the value of a root-level <c>resourceType</c>, so locations start with the type.</summary>
    public void SetRootType(string type) => _rootType ??= type;

    /// <summary>The property names and array indexes from the root down to the current token.</summary>
    public IEnumerable<object> Segments() =>
        _frames.Where(f => f.IsArray || f.Name is not null).Select(f => f.IsArray ? (object)f.Index : f.Name!);

    /// <summary>How many objects and arrays enclose the current token (the root object's own properties: 1).</summary>
    public int Depth => _frames.Count;

    /// <summary>The property whose value the reader is on, when it is in an object.</summary>
    public string? PropertyName => _frames.Count > 0 && !_frames[^1].IsArray ? _frames[^1].Name : null;

    public override string ToString()
    {
        var text = new StringBuilder(_rootType ?? "$this");
        foreach (var segment in Segments())
            text.Append(segment is int i ? $"[{i}]" : $".{segment}");
        return text.ToString();
    }
}
