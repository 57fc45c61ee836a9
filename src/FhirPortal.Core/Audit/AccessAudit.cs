using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Audit;

/// <summary>
/// Records accesses to patient data: the interactions that produce a read or search result (read, vread, search,
/// history, $everything, $export) run their work through <see cref="RecordAsync{T}"/>, which queues an
/// <see cref="AccessEvent"/> with what was returned, or the error, for the audit writer. Queuing is all the request
/// pays; building and storing the AuditEvent happens off the request path (<see cref="AuditLog"/>).
/// </summary>
/// <remarks>
/// Not recorded: the server's own work (<see cref="Caller.Server"/>: seeding, the authorization server's lookups,
/// background jobs), types that hold no patient data (conformance and terminology resources, Practitioner,
/// Organization...), and reads of AuditEvents themselves: those are limited to administrators and the patient's own
/// events, and auditing them would make every look at the access log add to it (the log would grow by being read).
/// </remarks>
public sealed class AccessAudit(AuditQueue queue, AuditOptions options, CallerContext callers, TimeProvider clock)
{
    /// <summary>Whether an access to <paramref name="type"/> (null: several types, e.g. a system search) is recorded for the current caller.</summary>
    public bool Covers(string? type)
    {
        if (!options.Reads || ReferenceEquals(callers.Current.Caller, Caller.Server)) return false;
        return type is null || IsPatientData(type);
    }

    /// <summary>Types that hold patient data: the Patient compartment's types (Patient included) and Binary (documents).</summary>
    public static bool IsPatientData(string type) =>
        type != "AuditEvent" && (type == "Binary" || CompartmentMembership.PatientParameters(type).Count > 0);

    /// <summary>
    /// Runs <paramref name="work"/> and records its result (the versions <paramref name="returned"/> picks) or its
    /// error. <paramref name="patients"/> are patients the request itself names (a compartment, an $everything id);
    /// <paramref name="concerned"/> adds those only the result knows (an export job's patients).
    /// </summary>
    public async Task<T> RecordAsync<T>(string interaction, string? type, string query, IReadOnlyList<string> patients,
        Func<Task<T>> work, Func<T, IReadOnlyList<StoredResource>> returned, Func<T, IReadOnlyList<string>>? concerned = null)
    {
        if (!Covers(type)) return await work();
        T result;
        try
        {
            result = await work();
        }
        catch (Exception e) when (e is FhirOutcomeException or ReadInteraction.DeletedException)
        {
            var status = e is FhirOutcomeException outcome ? outcome.Status : 410;
            await AddAsync(interaction, query, [], patients, status, e.Message);
            throw;
        }
        await AddAsync(interaction, query, returned(result), concerned is null ? patients : [.. patients, .. concerned(result)], 200, null);
        return result;
    }

    /// <summary>Records an access whose result is already known (a page of a download, an export file).</summary>
    public ValueTask RecordAsync(string interaction, string? type, string query, IReadOnlyList<StoredResource> resources, IReadOnlyList<string> patients) =>
        Covers(type) ? AddAsync(interaction, query, resources, patients, 200, null) : ValueTask.CompletedTask;

    /// <summary>
    /// The request as a relative URL, <c>path?name=value&amp;...</c>, readable as the client wrote it: only what
    /// would change the query's meaning (%, &amp;, #, +, space) is escaped.
    /// </summary>
    public static string Describe(string path, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var query = string.Join("&", parameters.Select(p => $"{Escape(p.Key)}={Escape(p.Value)}"));
        return query.Length == 0 ? path : $"{path}?{query}";
    }

    private static string Escape(string value) =>
        value.Replace("%", "%25").Replace("&", "%26").Replace("#", "%23").Replace("+", "%2B").Replace(" ", "%20");

    private ValueTask AddAsync(string interaction, string query, IReadOnlyList<StoredResource> resources, IReadOnlyList<string> patients, int status, string? error) =>
        queue.AddAsync(new AccessEvent(interaction, callers.Current.Caller, query, WithoutJson(resources), patients, status, error, clock.GetUtcNow()));

    /// <summary>
    /// The returned versions as the writer needs them: without their JSON unless their patients must be read from it
    /// (<see cref="AccessEventBuilder"/>). A queued access waits up to a flush interval; holding every returned
    /// version's bytes that long made them outlive the young GC generation and be copied into the older ones.
    /// </summary>
    internal static IReadOnlyList<StoredResource> WithoutJson(IReadOnlyList<StoredResource> resources)
    {
        if (resources.Count == 0) return resources;
        var light = new StoredResource[resources.Count];
        for (var i = 0; i < light.Length; i++)
        {
            var version = resources[i];
            light[i] = AccessEventBuilder.NeedsJson(version) ? version : version with { Json = ReadOnlyMemory<byte>.Empty };
        }
        return light;
    }
}
