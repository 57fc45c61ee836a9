using System.Globalization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Terminology;

/// <summary>
/// The inputs of a terminology operation: URL query parameters (text) and the parts of a POST body's Parameters
/// (typed values and resources), read by name. Each read checks the value's shape and answers 400 naming the
/// parameter when it is wrong.
/// </summary>
public sealed class TerminologyInput
{
    private static readonly HashSet<string> ResultParameters = ["_format", "_pretty", "_summary", "_elements"];
    private readonly List<Parameters.ParameterComponent> _parts;

    private TerminologyInput(List<Parameters.ParameterComponent> parts) => _parts = parts;

    /// <summary>The query parameters (as strings) followed by the parts of <paramref name="body"/>, if any.</summary>
    public static TerminologyInput From(IEnumerable<KeyValuePair<string, string>> query, Parameters? body)
    {
        var parts = query.Where(p => !ResultParameters.Contains(p.Key))
            .Select(p => new Parameters.ParameterComponent { Name = p.Key, Value = new FhirString(p.Value) }).ToList();
        parts.AddRange(body?.Parameter ?? []);
        return new TerminologyInput(parts);
    }

    /// <summary>400 for a parameter the operation does not take (so a typo is not silently ignored).</summary>
    public void Allow(string operation, params string[] names)
    {
        var unknown = _parts.Select(p => p.Name ?? "").FirstOrDefault(n => !names.Contains(n));
        if (unknown is not null)
            throw FhirOutcomeException.BadRequest($"{operation} does not take the parameter '{unknown}' (it takes {string.Join(", ", names)}).", unknown);
    }

    public bool Has(string name) => _parts.Any(p => p.Name == name);

    /// <summary>A primitive value as text (a URL parameter, or valueUri/valueCode/valueString/... in the body).</summary>
    public string? Text(string name)
    {
        var part = Single(name);
        if (part is null) return null;
        if (part.Value is not PrimitiveType primitive || part.Resource is not null)
            throw FhirOutcomeException.BadRequest($"Parameter '{name}' must be a primitive value.", name);
        var text = Convert.ToString(primitive.JsonValue ?? primitive.ToString(), CultureInfo.InvariantCulture);
        return string.IsNullOrEmpty(text) ? throw FhirOutcomeException.BadRequest($"Parameter '{name}' is empty.", name) : text;
    }

    /// <summary>A non-negative integer.</summary>
    public int? Integer(string name) => Text(name) switch
    {
        null => null,
        var text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) => value,
        var text => throw FhirOutcomeException.BadRequest($"Parameter '{name}' must be a non-negative integer, not '{text}'.", name),
    };

    public bool? Boolean(string name) => Text(name) switch
    {
        null => null,
        "true" or "True" => true,
        "false" or "False" => false,
        var text => throw FhirOutcomeException.BadRequest($"Parameter '{name}' must be true or false, not '{text}'.", name),
    };

    /// <summary>A resource part of the body (e.g. <c>valueSet</c>) of type <typeparamref name="T"/>.</summary>
    public T? Resource<T>(string name) where T : Resource
    {
        var part = Single(name);
        if (part is null) return null;
        return part.Resource as T ?? throw FhirOutcomeException.BadRequest($"Parameter '{name}' must hold a {typeof(T).Name} resource.", name);
    }

    /// <summary>A Coding: <c>valueCoding</c> in the body, or <c>system|code</c> in the URL.</summary>
    public Coding? Coding(string name)
    {
        var part = Single(name);
        switch (part?.Value)
        {
            case null when part is null: return null;
            case Coding coding: return coding;
            case FhirString { Value: { } text } when text.IndexOf('|') is var bar and > 0:
                return new Coding(text[..bar], text[(bar + 1)..]);
            default:
                throw FhirOutcomeException.BadRequest($"Parameter '{name}' must be a Coding (system|code in a URL).", name);
        }
    }

    /// <summary>A CodeableConcept (body only: a URL cannot carry one).</summary>
    public CodeableConcept? CodeableConcept(string name)
    {
        var part = Single(name);
        if (part is null) return null;
        return part.Value as CodeableConcept ?? throw FhirOutcomeException.BadRequest($"Parameter '{name}' must be a CodeableConcept.", name);
    }

    /// <summary>Every value of a repeating primitive parameter (e.g. <c>property</c>).</summary>
    public List<string> Texts(string name) =>
        _parts.Where(p => p.Name == name).Select(p => (p.Value as PrimitiveType)?.ToString()).OfType<string>().ToList();

    private Parameters.ParameterComponent? Single(string name)
    {
        var parts = _parts.Where(p => p.Name == name).ToList();
        return parts.Count switch
        {
            0 => null,
            1 => parts[0],
            _ => throw FhirOutcomeException.BadRequest($"Parameter '{name}' may appear only once.", name),
        };
    }
}
