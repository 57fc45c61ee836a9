namespace FhirPortal.Search;

/// <summary>A search parameter whose value cannot be understood (the REST layer answers 400).</summary>
public sealed class SearchParameterException(string message, string parameter) : Exception(message)
{
    public string Parameter { get; } = parameter;
}
