using Firely.Fhir.Validation;
using Hl7.Fhir.Model;

#pragma warning disable ExperimentalApi // Firely's schema building blocks, rewritten with the API it offers for that
namespace FhirPortal.Core.Validation;

/// <summary>
/// The commonest R4 invariants answered from the POCO where their first operand already decides them. Firely
/// hand-codes only ele-1, ext-1 and txt-1/2; every other invariant (ref-1 on each Reference, per-1 on each Period,
/// dom-2 to dom-5 on each resource, ...) goes through its FHIRPath interpreter on every element. A shortcut only ever
/// answers "holds", and only where the expression is true by a plain presence check; every other case runs Firely's
/// own validator, so failures and their messages stay Firely's. An invariant matches only by key and the exact
/// expression Firely compiles, so a profile's own invariant of the same key is never shortcut.
/// </summary>
internal static class InvariantShortcuts
{
    private static readonly Dictionary<(string Key, string Expression), Func<Base, bool>> Holds = new()
    {
        // Firely's compiler corrects R4's ref-1 to this expression (its ReferenceCorrector), so that is the one to match.
        [("ref-1", "reference.exists() implies (reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids')) or (reference='#' and %rootResource!=%resource))")] =
            p => p is ResourceReference r && (r.ReferenceElement is null || r.Reference is { } s && !s.StartsWith('#')),
        [("per-1", "start.hasValue().not() or end.hasValue().not() or (start <= end)")] =
            p => p is Period period && (period.Start is null || period.End is null),
        [("qty-3", "code.empty() or system.exists()")] = p => p is Quantity q && (q.CodeElement is null || q.SystemElement is not null),
        [("sqty-1", "comparator.empty()")] = p => p is Quantity { ComparatorElement: null },
        [("cpt-2", "value.empty() or system.exists()")] = p => p is ContactPoint c && (c.ValueElement is null || c.SystemElement is not null),
        [("att-1", "data.empty() or contentType.exists()")] = p => p is Attachment a && (a.DataElement is null || a.ContentTypeElement is not null),
        [("rng-2", "low.empty() or high.empty() or (low <= high)")] = p => p is Hl7.Fhir.Model.Range r && (r.Low is null || r.High is null),
        [("dom-2", "contained.contained.empty()")] = NoContained,
        [("dom-3", "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()")] = NoContained,
        [("dom-4", "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()")] = NoContained,
        [("dom-5", "contained.meta.security.empty()")] = NoContained,
        [("obs-6", "dataAbsentReason.empty() or value.empty()")] = p => p is Observation o && (o.DataAbsentReason is null || o.Value is null),
        [("obs-7", "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()")] =
            p => p is Observation o && (o.Value is null || o.Component.Count == 0),
        [("obs-3", "low.exists() or high.exists() or text.exists()")] =
            p => p is Observation.ReferenceRangeComponent r && (r.Low is not null || r.High is not null || r.TextElement is not null),
        [("pat-1", "name.exists() or telecom.exists() or address.exists() or organization.exists()")] =
            p => p is Patient.ContactComponent c && (c.Name is not null || c.Telecom.Count > 0 || c.Address is not null || c.Organization is not null),
        [("tim-1", "duration.empty() or durationUnit.exists()")] = p => p is Timing.RepeatComponent r && (r.DurationElement is null || r.DurationUnitElement is not null),
        [("tim-2", "period.empty() or periodUnit.exists()")] = p => p is Timing.RepeatComponent r && (r.PeriodElement is null || r.PeriodUnitElement is not null),
        [("tim-4", "duration.exists() implies duration >= 0")] = p => p is Timing.RepeatComponent { DurationElement: null },
        [("tim-5", "period.exists() implies period >= 0")] = p => p is Timing.RepeatComponent { PeriodElement: null },
        [("tim-6", "periodMax.empty() or period.exists()")] = p => p is Timing.RepeatComponent r && (r.PeriodMaxElement is null || r.PeriodElement is not null),
        [("tim-7", "durationMax.empty() or duration.exists()")] = p => p is Timing.RepeatComponent r && (r.DurationMaxElement is null || r.DurationElement is not null),
        [("tim-8", "countMax.empty() or count.exists()")] = p => p is Timing.RepeatComponent r && (r.CountMaxElement is null || r.CountElement is not null),
        [("tim-9", "offset.empty() or (when.exists() and ((when in ('C' | 'CM' | 'CD' | 'CV')).not()))")] = p => p is Timing.RepeatComponent { OffsetElement: null },
        [("tim-10", "timeOfDay.empty() or when.empty()")] = p => p is Timing.RepeatComponent r && (r.TimeOfDayElement.Count == 0 || r.WhenElement.Count == 0),
    };

    private static bool NoContained(Base poco) => poco is DomainResource { Contained.Count: 0 };

    /// <summary>The schema with every invariant that has a shortcut wrapped in one (the same schema when none has).</summary>
    public static ElementSchema Apply(ElementSchema schema) => (ElementSchema)Rewrite(schema);

    private static IAssertion Rewrite(IAssertion assertion) => assertion switch
    {
        FhirPathValidator invariant when Holds.TryGetValue((invariant.Key, invariant.Expression), out var holds) => new Shortcut(invariant, holds),
        IAssertionContainer container => container.WithChildren((_, child) => Rewrite(child)),
        _ => assertion,
    };

    /// <summary>
    /// An invariant that holds without FHIRPath when <c>holds</c> says so, and is Firely's otherwise. It stays a
    /// <see cref="FhirPathValidator"/> (a copy of the original) because Firely finds a type's invariants by that type
    /// (BaseTypeInvariantConstraintsValidator) and filters them by key; it re-implements only the validation.
    /// </summary>
    private sealed record Shortcut : FhirPathValidator, IValidatable
    {
        private readonly FhirPathValidator _original;
        private readonly Func<Base, bool> _holds;

        public Shortcut(FhirPathValidator original, Func<Base, bool> holds) : base(original)
        {
            _original = original;
            _holds = holds;
        }

        ResultReport IValidatable.Validate(PocoNode input, Firely.Fhir.Validation.ValidationSettings vc, ValidationState state) =>
            _holds(input.Poco) ? ResultReport.SUCCESS : ((IValidatable)_original).Validate(input, vc, state);
    }
}
