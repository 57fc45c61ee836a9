namespace FhirPortal.Core;

/// <summary>The client's <c>Prefer: return=</c> choice for write responses (and for each Bundle entry's response).</summary>
public enum ReturnPreference
{
    Representation,
    Minimal,
    OperationOutcome,
}
