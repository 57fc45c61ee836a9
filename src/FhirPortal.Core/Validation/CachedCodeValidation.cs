using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Terminology;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Remembers the answers of the local terminology service: its $validate-code expands the ValueSet again on every
/// binding check. An answer depends only on the request and the engine's conformance resources, and one engine
/// serves one generation of them, so the cache lives as long as its engine. Failures are not remembered. The
/// cache is bounded: when full it starts over.
/// </summary>
internal sealed class CachedCodeValidation(ICodeValidationTerminologyService inner) : ICodeValidationTerminologyService
{
    private const int MaxEntries = 50_000;
    private readonly ConcurrentDictionary<string, Task<Parameters>> _validateCode = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<Parameters>> _subsumes = new(StringComparer.Ordinal);

    public Task<Parameters> ValueSetValidateCode(Parameters parameters, string? id = null, bool useGet = false) =>
        Cached(_validateCode, $"{id}|{parameters.ToJson()}", () => inner.ValueSetValidateCode(parameters, id, useGet));

    public Task<Parameters> Subsumes(Parameters parameters, string? id = null, bool useGet = false) =>
        Cached(_subsumes, $"{id}|{parameters.ToJson()}", () => inner.Subsumes(parameters, id, useGet));

    private static async Task<Parameters> Cached(ConcurrentDictionary<string, Task<Parameters>> cache, string key, Func<Task<Parameters>> call)
    {
        if (cache.TryGetValue(key, out var known)) return await known.ConfigureAwait(false);
        var result = await call().ConfigureAwait(false);
        if (cache.Count >= MaxEntries) cache.Clear();
        cache.TryAdd(key, System.Threading.Tasks.Task.FromResult(result));
        return result;
    }
}
