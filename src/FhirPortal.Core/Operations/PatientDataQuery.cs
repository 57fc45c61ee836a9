using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations;

/// <summary>Which part of a patient record: all of it, the compartment members, or the resources they reference outside it.</summary>
public enum RecordPart { All, Members, Referenced }

/// <summary>Which resources a patient-data operation covers before filters: every resource, or patients' records.</summary>
/// <param name="PatientIds">For <see cref="Records"/>: these patients, or every patient when null.</param>
public sealed record DataPopulation(bool Records, IReadOnlyList<string>? PatientIds, RecordPart Part = RecordPart.All)
{
    public static DataPopulation Everything { get; } = new(false, null);

    public static DataPopulation PatientRecords(IReadOnlyList<string>? patientIds) => new(true, patientIds);
}

/// <summary>
/// The store query behind $everything and $export: a population (patients' records or everything), the requested
/// types, operation filters (<c>_since</c>, <c>start</c>/<c>end</c>, <c>_typeFilter</c>), and the caller's
/// <see cref="DataAccess"/>, paged in storage order (keyset cursors stay consistent under concurrent writes).
/// </summary>
public static class PatientDataQuery
{
    /// <summary>Every R4 resource type, in ordinal order.</summary>
    public static IReadOnlyList<string> AllTypes { get; } =
        ModelInfo.SupportedResources.Where(t => ModelInfo.IsKnownResource(t) && t is not ("Resource" or "DomainResource"))
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The types of a patient's record as $everything and Patient/Group $export return it: every type but AuditEvent.
    /// AuditEvents sit in the Patient compartment, but the access log is not part of the record (the patient sees it
    /// through <c>AuditEvent?patient=</c> and the access-log page), and since every $everything is itself audited,
    /// returning them would make each answer grow the next one.
    /// </summary>
    public static IReadOnlyList<string> RecordTypes { get; } = AllTypes.Where(t => t != AuditEventType).ToList();

    /// <summary>The one type a patient's record leaves out (see <see cref="RecordTypes"/>).</summary>
    public const string AuditEventType = "AuditEvent";

    /// <summary>
    /// A patient's record: the resources in the Patient compartments named (R4 CompartmentDefinition, stored at write
    /// time), plus the resources outside every Patient compartment that they reference (Practitioner, Organization,
    /// Location, Medication, ...). Each resource matches once however many members point at it.
    /// </summary>
    /// <remarks>
    /// Unless <paramref name="types"/> names AuditEvent, the patients' AuditEvents add no referenced resources either:
    /// they point at the users who read the record, which would make every reader part of the next answer.
    /// </remarks>
    public static SearchCondition Records(IReadOnlyList<string>? patientIds, RecordPart part = RecordPart.All, IReadOnlyList<string>? types = null)
    {
        IReadOnlyList<string>? ignored = types?.Contains(AuditEventType) == true ? null : [AuditEventType];
        return part switch
        {
            RecordPart.Members => new AnyCompartmentCondition("Patient", patientIds),
            RecordPart.Referenced => new CompartmentReferenceCondition("Patient", patientIds, ignored),
            _ => new AnyOfCondition(
            [
                [new AnyCompartmentCondition("Patient", patientIds)],
                [new CompartmentReferenceCondition("Patient", patientIds, ignored)],
            ]),
        };
    }

    /// <param name="type">One type to query (export writes one type at a time), or null for all of <paramref name="types"/>.</param>
    /// <param name="types">The requested types (<c>_type</c>), or null for every type.</param>
    /// <param name="filters">Operation filters; they apply on top of the population and of the caller's access.</param>
    public static SearchQuery Build(
        DataPopulation population, string? type, IReadOnlyList<string>? types, IEnumerable<SearchCondition> filters,
        DataAccess access, int count, string? cursor)
    {
        var allowed = (type is null ? types ?? AllTypes : [type])
            .Where(t => types is null || types.Contains(t))
            .Where(access.AllowsType)
            .ToList();
        var conditions = new List<SearchCondition>();
        if (population.Records) conditions.Add(Records(population.PatientIds, population.Part, types));
        conditions.AddRange(filters);
        conditions.AddRange(access.Conditions);
        // Nothing may be read: a condition no resource satisfies (an empty type list would mean "every type").
        if (allowed.Count == 0) conditions.Add(new AnyOfCondition([]));
        return new SearchQuery(type, conditions, count, cursor)
        {
            Types = type is null && (types is not null || allowed.Count < AllTypes.Count) ? allowed : null,
        };
    }
}
