namespace FhirPortal.Search;

/// <summary>A token index value: one coded value (system and code) a resource holds for a token parameter.</summary>
public sealed record TokenIndexValue(string Param, string? System, string? Code);

/// <summary>Every index value computed for one resource version at write time; stored together with it.</summary>
public sealed class ResourceIndex
{
    public List<TokenIndexValue> Tokens { get; } = [];
}
