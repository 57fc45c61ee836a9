using FhirPortal.Core.Access;
using FhirPortal.Search;

namespace FhirPortal.Core.Operations;

/// <summary>
/// What a caller may see of the stored data: conditions every resource it receives must also satisfy, and the
/// resource types it may read. $everything and $export build every store query through
/// <see cref="PatientDataQuery.Build"/>, so this record is the one place access control narrows both of them.
/// </summary>
public sealed record DataAccess(IReadOnlyList<SearchCondition> Conditions, Func<string, bool> AllowsType)
{
    /// <summary>No narrowing: the caller may read every resource (security off, or a system/*.read client).</summary>
    public static DataAccess Unrestricted { get; } = new([], _ => true);

    /// <summary>
    /// What <paramref name="access"/> may search, as one narrowing over every type (the same rules as a system
    /// search: patient/ grants confine compartment types to the launch patient, granular grants add their query).
    /// </summary>
    public static DataAccess For(CallerAccess access)
    {
        if (access.IsUnrestricted) return Unrestricted;
        var (types, narrowing) = access.SystemNarrowing(null);
        var allowed = types.ToHashSet(StringComparer.Ordinal);
        return new([narrowing], allowed.Contains);
    }
}
