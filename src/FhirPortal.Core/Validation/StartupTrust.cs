using System.Collections.Concurrent;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Which resource types may still be stored without validation when the server built them
/// (<c>UnitOfWork.StageTrustedForRule</c>): tests prove those records valid against the conformance resources the
/// server starts with, so the trust holds only until a conformance change after start-up could affect their type.
/// </summary>
internal sealed class StartupTrust
{
    // Marks a change that may affect every type (terminology, an extension or datatype profile).
    private const string AllTypes = "*";
    private readonly ConcurrentDictionary<string, byte> _changed = new(StringComparer.Ordinal);
    private volatile bool _started;

    public void Start() => _started = true;

    public bool Holds(string type) => _started && (_changed.IsEmpty || (!_changed.ContainsKey(type) && !_changed.ContainsKey(AllTypes)));

    /// <summary>Records the replacement of <paramref name="before"/> by <paramref name="after"/> (either may be null).</summary>
    public void Changed(Resource? before, Resource? after)
    {
        // Start-up loads, and re-applying a version already held (the change poll overlaps), prove nothing new.
        if (!_started || SameVersion(before, after)) return;
        foreach (var resource in new[] { before, after })
            if (resource is not null) _changed.TryAdd(AffectedType(resource), 0);
    }

    private static string AffectedType(Resource resource) =>
        resource is StructureDefinition { Kind: StructureDefinition.StructureDefinitionKind.Resource, Type: { } type } && ModelInfo.IsKnownResource(type)
            ? type
            : AllTypes;

    private static bool SameVersion(Resource? before, Resource? after) =>
        before?.Meta?.VersionId is { } version && after?.Meta?.VersionId == version && before.Meta.LastUpdated == after.Meta?.LastUpdated;
}
