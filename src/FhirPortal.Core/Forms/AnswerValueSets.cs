using FhirPortal.Core.Terminology;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Forms;

/// <summary>The codes of an answerValueSet, or why they are unknown (<see cref="Codes"/> null: the answer is not checked).</summary>
internal sealed record AnswerCodes(IReadOnlySet<(string? System, string? Code)>? Codes, string? Why = null)
{
    public bool Contains(Coding coding) =>
        Codes is null || Codes.Contains((coding.System, coding.Code)) || coding.System is null && Codes.Any(c => c.Code == coding.Code);
}

/// <summary>Expands a Questionnaire item's <c>answerValueSet</c> into the codes an answer may take.</summary>
internal interface IAnswerValueSets
{
    /// <summary>The codes of <paramref name="canonical"/> (<c>#id</c>: a ValueSet contained in <paramref name="questionnaire"/>).</summary>
    Task<AnswerCodes> CodesAsync(Questionnaire questionnaire, string canonical, CancellationToken ct);
}

/// <summary>
/// answerValueSets expanded with the server's own terminology (<see cref="TerminologyEngine"/>): ValueSets contained
/// in the Questionnaire, stored on this server or in the R4 core package. An external ValueSet (e.g. LOINC answer
/// lists) or one the server cannot expand is not checked: the check reports a warning instead of guessing.
/// </summary>
internal sealed class ServerAnswerValueSets(TerminologyEngine terminology) : IAnswerValueSets
{
    public async Task<AnswerCodes> CodesAsync(Questionnaire questionnaire, string canonical, CancellationToken ct)
    {
        var contained = canonical.StartsWith('#');
        var valueSet = contained
            ? questionnaire.Contained.OfType<ValueSet>().FirstOrDefault(v => v.Id == canonical[1..])?.DeepCopy() as ValueSet
            : await terminology.FindValueSetAsync(canonical);
        if (valueSet is null)
            return new(null, contained ? $"no contained ValueSet {canonical}" : $"{canonical} is not a ValueSet on this server");
        try
        {
            var expanded = await terminology.ExpandAsync(valueSet, shared: !contained);
            return new(Flatten(expanded.Expansion?.Contains ?? []).ToHashSet());
        }
        catch (FhirOutcomeException e)
        {
            return new(null, e.Message);
        }
    }

    private static IEnumerable<(string?, string?)> Flatten(IEnumerable<ValueSet.ContainsComponent> contains) =>
        contains.SelectMany(c => Flatten(c.Contains).Prepend((c.System, c.Code))).Where(c => c.Item2 is not null);
}
