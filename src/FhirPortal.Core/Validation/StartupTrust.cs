using System.Collections.Concurrent;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Which resource types may still be stored without validation when the server built them
/// (<c>UnitOfWork.StageTrustedForRule</c>): tests prove those records valid against the profiles/ files, so the trust
/// holds only while every loaded conformance resource that may affect a type is content-identical to one of them.
/// </summary>
/// <remarks>
/// A change is judged by content, not by when it arrives: the start-up load, a change another instance made before
/// this one finished starting, and a poll re-applying a version already held all go through <see cref="Changed"/>
/// alike, and only a resource that is not a profiles/ file (or the removal of one) withdraws the trust, until restart.
/// </remarks>
internal sealed class StartupTrust
{
    // Marks a change that may affect every type (terminology, an extension or datatype profile).
    private const string AllTypes = "*";
    private readonly ConcurrentDictionary<string, byte> _changed = new(StringComparer.Ordinal);
    private volatile Dictionary<string, Resource> _proven = new(StringComparer.Ordinal);
    private volatile bool _started;

    /// <summary>The conformance resources the proofs hold for (the profiles/ files); set before the load.</summary>
    public void Proven(IEnumerable<Resource> files)
    {
        var proven = new Dictionary<string, Resource>(StringComparer.Ordinal);
        foreach (var file in files) proven[Key(file)] = WithoutMeta(file);
        _proven = proven;
    }

    /// <summary>Ends the load: from now on <see cref="Holds"/> answers; <paramref name="untrusted"/> types never hold.</summary>
    public void Start(IEnumerable<string> untrusted)
    {
        foreach (var type in untrusted) _changed.TryAdd(type, 0);
        _started = true;
    }

    public bool Holds(string type) => _started && (_changed.IsEmpty || (!_changed.ContainsKey(type) && !_changed.ContainsKey(AllTypes)));

    /// <summary>Whether <paramref name="resource"/> is, apart from meta, one of the proven profiles/ files.</summary>
    public bool IsProven(Resource? resource) =>
        resource is not null && _proven.TryGetValue(Key(resource), out var file) && WithoutMeta(resource).IsExactly(file);

    /// <summary>Records the replacement of <paramref name="before"/> by <paramref name="after"/> (either may be null).</summary>
    public void Changed(Resource? before, Resource? after)
    {
        // Holding a proven file where nothing or the same file was held changes nothing the proofs rely on.
        if (IsProven(after) && (before is null || IsProven(before))) return;
        foreach (var resource in new[] { before, after })
            if (resource is not null) _changed.TryAdd(AffectedType(resource), 0);
    }

    private static string Key(Resource resource) => $"{resource.TypeName}/{resource.Id}";

    private static Resource WithoutMeta(Resource resource)
    {
        var copy = (Resource)resource.DeepCopy();
        copy.Meta = null;
        return copy;
    }

    private static string AffectedType(Resource resource) =>
        resource is StructureDefinition { Kind: StructureDefinition.StructureDefinitionKind.Resource, Type: { } type } && ModelInfo.IsKnownResource(type)
            ? type
            : AllTypes;
}
