using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace FhirPortal.Core.Terminology;

/// <summary>
/// The SDK's terminology (LocalTerminologyService and its ValueSetExpander) over the resolver chain validation uses:
/// stored ValueSets/CodeSystems first (a write takes effect at once), then the R4 core package. A ValueSet resolved by
/// canonical is expanded in place once, under the SDK's own lock, and shared with the validator; callers get copies.
/// SDK failures become OperationOutcomes: too large a ValueSet is 400 too-costly, one the SDK cannot expand (filters it
/// lacks, CodeSystems without content, unknown includes) 422.
/// </summary>
public sealed class TerminologyEngine(ResourceValidator validator)
{
    /// <summary>Largest expansion, as for validation (the SDK's default is 500; core ValueSets need more).</summary>
    public const int MaxExpansion = 10_000;

    /// <summary>A ValueSet by canonical (<c>url</c> or <c>url|version</c>), stored or core; null when unknown.</summary>
    public async Task<ValueSet?> FindValueSetAsync(string canonical) =>
        Versioned(await validator.Resolver.FindValueSetAsync(Url(canonical)), canonical, v => v.Version);

    /// <summary>A CodeSystem by canonical (<c>url</c> or <c>url|version</c>), stored or core; null when unknown.</summary>
    public async Task<CodeSystem?> FindCodeSystemAsync(string canonical) =>
        Versioned(await validator.Resolver.FindCodeSystemAsync(Url(canonical)), canonical, c => c.Version);

    /// <summary>
    /// The expansion of a ValueSet as a copy the caller may change (a ValueSet that has an <c>expansion</c> keeps it).
    /// <paramref name="shared"/>: the ValueSet came from <see cref="FindValueSetAsync"/>; otherwise it is the caller's
    /// own object and is expanded in place. <paramref name="includeDesignations"/> adds the concepts' designations.
    /// </summary>
    public async Task<ValueSet> ExpandAsync(ValueSet valueSet, bool shared, bool includeDesignations = false)
    {
        var resolver = validator.Resolver;
        if (shared) valueSet = (ValueSet)(await ExpandWithAsync(resolver, false, valueSet)).DeepCopy();
        if (includeDesignations && valueSet.Compose is not null) valueSet.Expansion = null;
        return await ExpandWithAsync(resolver, includeDesignations, valueSet);
    }

    /// <summary>
    /// <c>$validate-code</c> of the SDK's LocalTerminologyService against an expanded ValueSet: result, message, display
    /// (and the SDK's issues).
    /// </summary>
    public async Task<Parameters> ValidateCodeAsync(ValueSet expanded, Parameters input)
    {
        input.Parameter.RemoveAll(p => p.Name is "url" or "valueSet" or "valueSetVersion");
        input.Parameter.Add(new Parameters.ParameterComponent { Name = "valueSet", Resource = expanded });
        try
        {
            return await ((ITerminologyService)Service(validator.Resolver, false)).ValueSetValidateCode(input);
        }
        catch (FhirOperationException e)
        {
            throw FhirOutcomeException.Unprocessable($"The code could not be checked against {Name(expanded)}: {e.Message}");
        }
    }

    private static async Task<ValueSet> ExpandWithAsync(IAsyncResourceResolver resolver, bool includeDesignations, ValueSet valueSet)
    {
        var input = new Parameters();
        input.Parameter.Add(new Parameters.ParameterComponent { Name = "valueSet", Resource = valueSet });
        try
        {
            return (ValueSet)await ((ITerminologyService)Service(resolver, includeDesignations)).Expand(input);
        }
        catch (FhirOperationException e) when (e.Message.Contains("larger than", StringComparison.Ordinal))
        {
            // The SDK reports its MaxExpansionSize only in the message of the (wrapped) ValueSetExpansionTooBigException.
            throw FhirOutcomeException.Single(400, OperationOutcome.IssueType.TooCostly,
                $"{Name(valueSet)} has more than {MaxExpansion} codes; this server does not expand it.");
        }
        catch (FhirOperationException e)
        {
            throw FhirOutcomeException.Unprocessable($"{Name(valueSet)} cannot be expanded: {e.Message}");
        }
    }

    private static LocalTerminologyService Service(IAsyncResourceResolver resolver, bool includeDesignations) =>
        new(resolver, new ValueSetExpanderSettings { MaxExpansionSize = MaxExpansion, IncludeDesignations = includeDesignations });

    /// <summary>How a ValueSet is named in messages: its url, else its id.</summary>
    public static string Name(ValueSet valueSet) => $"ValueSet '{valueSet.Url ?? valueSet.Id ?? "(without url)"}'";

    private static string Url(string canonical) => canonical.Split('|')[0];

    private static T? Versioned<T>(T? resource, string canonical, Func<T, string?> version) where T : Resource
    {
        var bar = canonical.IndexOf('|');
        return resource is null || bar < 0 || version(resource) == canonical[(bar + 1)..] ? resource : null;
    }
}
