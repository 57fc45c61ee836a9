namespace FhirPortal.Storage;

/// <summary>The identity of a resource: its type and logical id.</summary>
public readonly record struct ResourceKey(string Type, string Id)
{
    public override string ToString() => $"{Type}/{Id}";
}
