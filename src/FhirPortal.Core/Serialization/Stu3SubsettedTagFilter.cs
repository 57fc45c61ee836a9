using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirPortal.Core.Serialization;

/// <summary>
/// Wraps a <c>_summary</c>/<c>_elements</c> filter so the output leaves out the pre-R4 SUBSETTED tag
/// (<c>http://hl7.org/fhir/v3/ObservationValue</c>) the SDK adds beside the R4 one whenever a filter is used.
/// </summary>
/// <remarks>
/// The SDK marks its own copy of the resource, so the tag cannot be removed beforehand; a coding whose members
/// the filter all skips serialises as nothing and is dropped from its list.
/// </remarks>
internal sealed class Stu3SubsettedTagFilter(SerializationFilter inner) : SerializationFilter
{
    private const string Stu3System = "http://hl7.org/fhir/v3/ObservationValue";

    private object? _skipped;

    public static Func<SerializationFilter>? Wrap(Func<SerializationFilter>? factory) =>
        factory is null ? null : () => new Stu3SubsettedTagFilter(factory());

    public override void EnterObject(object value, ClassMapping? mapping)
    {
        if (_skipped is null && value is Coding { System: Stu3System, Code: "SUBSETTED" }) _skipped = value;
        if (_skipped is null) inner.EnterObject(value, mapping);
    }

    public override bool TryEnterMember(string name, object value, PropertyMapping? mapping) =>
        _skipped is null && inner.TryEnterMember(name, value, mapping);

    public override void LeaveMember(string name, object value, PropertyMapping? mapping)
    {
        if (_skipped is null) inner.LeaveMember(name, value, mapping);
    }

    public override void LeaveObject(object value, ClassMapping? mapping)
    {
        if (ReferenceEquals(_skipped, value)) _skipped = null;
        else if (_skipped is null) inner.LeaveObject(value, mapping);
    }
}
