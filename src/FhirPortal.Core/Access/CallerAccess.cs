using System.Collections.Concurrent;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Access;

/// <summary>
/// One caller's permissions, asked by interactions and operations: which types and interactions its scopes grant,
/// the restriction that narrows a search of a type (<see cref="RestrictionFor"/>), and whether a given stored
/// resource or a write may be seen or made. <c>patient/</c> grants confine compartment types to the launch
/// patient's compartment; <c>user/</c> grants reach every patient for a practitioner (only their own record for a
/// patient user, <c>fhirUser=Patient/...</c>); <c>system/</c> grants reach everything; granular grants add their query.
/// On top of the scopes: AuditEvents are for administrators and the patient's own (<see cref="AuditEventAccess"/>),
/// and an organization account sees only its organization's data (<see cref="OrganizationRestriction"/>).
/// </summary>
public sealed class CallerAccess
{
    private const Permissions Writes = Permissions.Create | Permissions.Update | Permissions.Delete;
    private readonly AccessPolicy _policy;
    private readonly IReadOnlyList<SmartScope> _grants;
    private readonly ConcurrentDictionary<(string, Permissions), AccessRestriction> _restrictions = new();

    internal CallerAccess(Caller caller, AccessPolicy policy)
    {
        Caller = caller;
        _policy = policy;
        // Note: patient/ scopes without a launch patient have nothing to be confined to, so they grant nothing.
        _grants = SmartScopeParser.ParseAll(caller.Scopes)
            .Where(g => g.Context != ScopeContext.Patient || !string.IsNullOrEmpty(caller.PatientId))
            .ToList();
    }

    public Caller Caller { get; }

    public bool IsUnrestricted => Caller.Unrestricted;

    /// <summary>What the caller may see of <paramref name="type"/> for one interaction (exactly one flag).</summary>
    public AccessRestriction RestrictionFor(string type, Permissions permission)
    {
        if (IsUnrestricted) return AccessRestriction.None;
        return _restrictions.GetOrAdd((type, permission), key => Compute(key.Item1, key.Item2));
    }

    /// <summary>The restriction, or 403 when no scope grants the interaction on the type.</summary>
    public AccessRestriction Require(string type, Permissions permission)
    {
        var restriction = RestrictionFor(type, permission);
        return restriction.Allowed ? restriction : throw NoScope(type, permission);
    }

    /// <summary>Types the caller may use <paramref name="permission"/> on (every type when a <c>*</c> grant covers it).</summary>
    public IReadOnlyList<string> GrantedTypes(Permissions permission)
    {
        var granted = _grants.Where(g => g.Permissions.HasFlag(permission)).ToList();
        var types = IsUnrestricted || granted.Any(g => g.ResourceType == "*")
            ? ModelInfo.SupportedResources
            : granted.Select(g => g.ResourceType).Distinct();
        return types.Where(t => RestrictionFor(t, permission).Allowed).ToList();
    }

    /// <summary>A patient (user or app) with no staff or system grant on Binary: it gets no Binary lacking a security context.</summary>
    internal bool IsPatientBound => !IsUnrestricted && (PatientUser(Caller.FhirUser) is not null
        || !_grants.Any(g => g.Context != ScopeContext.Patient && g.Covers(BinaryAccess.Type)));

    /// <summary>
    /// Whether the caller may see this stored version (read, or a search's included resources and history). A
    /// deletion tombstone carries no content, so the version before it decides.
    /// </summary>
    public async Task<bool> MayReadAsync(StoredResource version, Permissions permission, CancellationToken ct)
    {
        var restriction = RestrictionFor(version.Key.Type, permission);
        if (!restriction.Allowed) return false;
        if (restriction.IsUnrestricted && (IsUnrestricted || version.Key.Type != BinaryAccess.Type)) return true;
        var content = version;
        if (version.IsDeleted)
        {
            if (version.VersionId <= 1) return false;
            content = await _policy.Store.ReadVersionAsync(version.Key, version.VersionId - 1, ct);
            if (content is null || content.IsDeleted) return false;
        }
        var resource = FhirParser.ParseStored(content.Json.Span);
        if (resource is Binary binary && !await BinaryAccess.ContextAllowsAsync(this, binary, _policy.Store, ct)) return false;
        if (restriction.IsUnrestricted) return true;
        return await LinkedConditionMatcher.SatisfiesAsync(restriction, _policy.Index(resource), resource.TypeName, resource.Id, _policy.Store, ct);
    }

    /// <summary>403 unless <see cref="MayReadAsync"/>; the message never shows the resource's content.</summary>
    public async Task RequireReadAsync(StoredResource version, Permissions permission, CancellationToken ct)
    {
        if (!await MayReadAsync(version, permission, ct)) throw Outside(version.Key, permission);
    }

    /// <summary>
    /// Checks a write: the caller needs the interaction's letter on the type, and both the content it replaces or
    /// deletes (<paramref name="old"/>) and the new content (<paramref name="newIndex"/>) must lie inside its grant.
    /// For <c>patient/</c> grants "inside" means in the launch patient's compartment and no other patient's.
    /// </summary>
    public void RequireWrite(Permissions permission, ResourceKey key, ResourceIndex? newIndex, StoredResource? old)
    {
        var restriction = Require(key.Type, permission);
        if (restriction.IsUnrestricted) return;
        if (old is { IsDeleted: false })
        {
            var previous = FhirParser.ParseStored(old.Json.Span);
            if (!ResourceMatcher.Satisfies(restriction, _policy.Index(previous), key.Type, key.Id, exclusive: true))
                throw Outside(key, permission);
        }
        if (newIndex is not null && !ResourceMatcher.Satisfies(restriction, newIndex, key.Type, key.Id, exclusive: true))
            throw Outside(key, permission);
    }

    /// <summary>
    /// Administrative operations ($reindex) belong to backend systems: they need a <c>system/</c> scope that may
    /// update <paramref name="type"/> (or every type, <c>system/*.u</c>, when null); patient and user tokens get 403.
    /// </summary>
    public void RequireSystem(string operation, string? type)
    {
        if (IsUnrestricted) return;
        if (!_grants.Any(g => g.Context == ScopeContext.System && g.Query is null && g.Permissions.HasFlag(Permissions.Update)
                              && (g.ResourceType == "*" || g.ResourceType == type)))
            throw FhirOutcomeException.Forbidden($"{operation} needs a system/ scope that may update {type ?? "every type (system/*.u)"}.");
    }

    /// <summary>
    /// Staff operations on a record (issuing a patient's activation code): a <c>user/</c> grant of a user who is not a
    /// patient, or a <c>system/</c> grant, that may create or update <paramref name="type"/> without a query restriction.
    /// Patient tokens (and patient users) get 403, even for their own record.
    /// </summary>
    public void RequireStaff(string operation, string type)
    {
        if (IsUnrestricted) return;
        if (!_grants.Any(g => g.Query is null && g.Covers(type) && (g.Permissions & (Permissions.Create | Permissions.Update)) != 0
                              && (g.Context == ScopeContext.System || (g.Context == ScopeContext.User && PatientUser(Caller.FhirUser) is null))))
            throw FhirOutcomeException.Forbidden($"{operation} is for care staff: it needs user/{type}.u (or .c) of a practitioner or admin, or system/{type}.u.");
    }

    private AccessRestriction Compute(string type, Permissions permission)
    {
        var restriction = ComputeScopes(type, permission);
        if (type == AuditEventAccess.Type) restriction = AuditEventAccess.Limit(restriction, Caller, permission);
        return Caller.Organization is { } organization
            ? OrganizationRestriction.Limit(restriction, organization, type, permission, _policy)
            : restriction;
    }

    private AccessRestriction ComputeScopes(string type, Permissions permission)
    {
        var alternatives = new List<IReadOnlyList<SearchCondition>>();
        var inCompartment = CompartmentMembership.PatientParameters(type).Count > 0;
        foreach (var grant in _grants.Where(g => g.Covers(type) && g.Permissions.HasFlag(permission)))
        {
            var conditions = new List<SearchCondition>();
            // Note: user/ scopes reach what the signed-in user may see; a patient user sees only their own record.
            var patient = grant.Context switch
            {
                ScopeContext.Patient => Caller.PatientId,
                ScopeContext.User => PatientUser(Caller.FhirUser),
                _ => null,
            };
            if (patient is not null)
            {
                // Note: shared resources (Practitioner, Medication, ...) are readable with patient/ scopes, but a
                // patient's app never writes them: the change would reach every other patient.
                if ((permission & Writes) != 0 && !PatientLinkedTypes.PatientMayWrite(type, permission, inCompartment)
                    && !BinaryAccess.PatientMayWrite(type, permission)) continue;
                if (!inCompartment && !BinaryAccess.PatientMaySearch(type, permission)) continue;
                if (PatientLinkedTypes.Condition(type, patient, Caller) is { } linked) conditions.Add(linked);
                else if (inCompartment) conditions.Add(new CompartmentCondition("Patient", patient));
            }
            else if (grant.Context == ScopeContext.User && (permission & Writes) != 0 && !BillingStaffAccess.UserMayWrite(type, Caller)) continue;
            if (grant.Query is not null)
            {
                if (_policy.GranularConditions(type, grant.Query) is not { } granular) continue;
                conditions.AddRange(granular);
            }
            if (conditions.Count == 0) return AccessRestriction.None;
            alternatives.Add(conditions);
        }
        return alternatives.Count == 0 ? AccessRestriction.Denied : AccessRestriction.AnyOf(alternatives);
    }

    /// <summary>The Patient id of a <c>fhirUser</c> such as <c>Patient/123</c> or <c>https://host/fhir/Patient/123</c>.</summary>
    internal static string? PatientUser(string? fhirUser) =>
        fhirUser?.Split('/') is [.., "Patient", var id] && id.Length > 0 ? id : null;

    private FhirOutcomeException NoScope(string type, Permissions permission)
    {
        var letter = "cruds"[System.Numerics.BitOperations.Log2((uint)permission)];
        return FhirOutcomeException.Forbidden(ReferenceEquals(Caller, Caller.Nobody)
            ? "The request carries no caller, so it may not access anything."
            : $"The access token has no scope that allows {Verb(permission)} {type} (such as patient/{type}.{letter}, user/{type}.{letter} or system/{type}.{letter}).");
    }

    private static FhirOutcomeException Outside(ResourceKey key, Permissions permission) =>
        FhirOutcomeException.Forbidden(
            $"The access token does not allow {Verb(permission)} {key}: it lies outside the launch patient's compartment or the granted scope's query.");

    private static string Verb(Permissions permission) => permission switch
    {
        Permissions.Create => "creating",
        Permissions.Read => "reading",
        Permissions.Update => "updating",
        Permissions.Delete => "deleting",
        _ => "searching",
    };
}
