namespace FhirPortal.Search;

// Index values are computed once per resource version (SearchIndexer) and stored with it. Composite parameters
// store each component under "<param>#<component index>" with a shared Group number per composite occurrence,
// so a store can join the components of one occurrence (e.g. one Observation.component's code and value).

/// <summary>A token value: a coded value (system, code); <see cref="Text"/> holds display/text for <c>:text</c>.</summary>
public sealed record TokenIndexValue(string Param, string? System, string? Code, string? Text = null, int? Group = null);

/// <summary>A string value: <see cref="Normalized"/> is lower-cased without accents (default and <c>:contains</c>), <see cref="Exact"/> as written.</summary>
public sealed record StringIndexValue(string Param, string Normalized, string Exact, int? Group = null);

/// <summary>A date value as the half-open span it denotes [Start, End); open periods use Min/Max.</summary>
public sealed record DateIndexValue(string Param, DateTimeOffset Start, DateTimeOffset End, int? Group = null);

/// <summary>A number with its implicit precision range [Low, High] (e.g. 100 → [99.5, 100.5]).</summary>
public sealed record NumberIndexValue(string Param, decimal Value, decimal Low, decimal High, int? Group = null);

/// <summary>
/// A quantity as written (system, code, unit, value range) plus, where UCUM can convert it, the same value in
/// canonical units so that e.g. 7 mmol/L and 126 mg/dL compare.
/// </summary>
public sealed record QuantityIndexValue(
    string Param, string? System, string? Code, string? Unit, decimal Value, decimal Low, decimal High,
    string? CanonicalCode = null, decimal? CanonicalValue = null, int? Group = null);

/// <summary>
/// A reference: a local target (<see cref="TargetType"/>/<see cref="TargetId"/>, versions dropped), an external
/// or canonical <see cref="Url"/>, and/or a logical identifier for <c>:identifier</c>.
/// </summary>
public sealed record ReferenceIndexValue(
    string Param, string? TargetType, string? TargetId, string? Url,
    string? IdentifierSystem = null, string? IdentifierValue = null, int? Group = null);

/// <summary>A uri/url/canonical value, compared exactly or by <c>:above</c>/<c>:below</c>.</summary>
public sealed record UriIndexValue(string Param, string Value, int? Group = null);

/// <summary>Membership of a compartment (e.g. Patient/123), computed from the R4 CompartmentDefinition at write time.</summary>
public sealed record CompartmentIndexValue(string CompartmentType, string Id);

/// <summary>Every index value computed for one resource version at write time; stored together with it.</summary>
public sealed class ResourceIndex
{
    public List<TokenIndexValue> Tokens { get; } = [];
    public List<StringIndexValue> Strings { get; } = [];
    public List<DateIndexValue> Dates { get; } = [];
    public List<NumberIndexValue> Numbers { get; } = [];
    public List<QuantityIndexValue> Quantities { get; } = [];
    public List<ReferenceIndexValue> References { get; } = [];
    public List<UriIndexValue> Uris { get; } = [];
    public List<CompartmentIndexValue> Compartments { get; } = [];

    /// <summary>Narrative and all string content, for <c>_text</c> and <c>_content</c> full-text search.</summary>
    public string? Narrative { get; set; }
    public string? Content { get; set; }
}
