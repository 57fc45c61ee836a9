namespace FhirPortal.Core;

/// <summary>Paging and parsing limits that Core enforces (bound from configuration by the host).</summary>
public sealed class FhirLimits
{
    public int DefaultPageSize { get; set; } = 20;
    public int MaxPageSize { get; set; } = 1000;
    public int MaxJsonDepth { get; set; } = 100;
}
