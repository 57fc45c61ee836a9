using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Forms;

/// <summary>
/// A QuestionnaireResponse checked against the Questionnaire it names (<see cref="ResponseChecker"/>), for the write
/// path (<see cref="FormRules"/>) and for <c>$validate</c> (<see cref="ValidateAsync"/>). A response that names a
/// Questionnaire this server does not hold is an error; one that names none is checked by its profiles only.
/// </summary>
public sealed class FormResponses
{
    private readonly QuestionnaireLookup _lookup;
    private readonly IAnswerValueSets _valueSets;
    private readonly ResourceValidator _validator;
    private readonly FhirPortal.Storage.IResourceStore _store;

    internal FormResponses(QuestionnaireLookup lookup, IAnswerValueSets valueSets, ResourceValidator validator, FhirPortal.Storage.IResourceStore store) =>
        (_lookup, _valueSets, _validator, _store) = (lookup, valueSets, validator, store);

    /// <summary>
    /// <c>$validate</c>: the profile validation of <see cref="ResourceValidator.Validate"/>, plus, for a
    /// QuestionnaireResponse, the issues against its Questionnaire.
    /// </summary>
    public async Task<OperationOutcome> ValidateAsync(Resource resource, IEnumerable<string> profiles, bool asWrite, CancellationToken ct)
    {
        var outcome = _validator.Validate(resource, profiles, asWrite);
        if (resource is not QuestionnaireResponse response) return outcome;
        var (_, issues) = await CheckAsync(response, QuestionnaireLookup.Of(_store), ct);
        if (issues.Count == 0) return outcome;
        outcome.Issue.RemoveAll(i => i.Severity == IssueSeverity.Information && i.Code == IssueType.Informational);
        outcome.Issue.AddRange(issues);
        return outcome;
    }

    /// <summary>
    /// The Questionnaire <paramref name="response"/> answers (null: it names none, or one the server does not hold) and
    /// the issues against it, read through <paramref name="source"/>.
    /// </summary>
    internal async Task<(Questionnaire? Form, List<IssueComponent> Issues)> CheckAsync(QuestionnaireResponse response, QuestionnaireLookup.Source source, CancellationToken ct)
    {
        if (response.Questionnaire is not { Length: > 0 } canonical) return (null, []);
        var questionnaire = await _lookup.FindAsync(canonical, response, source, ct);
        if (questionnaire is null)
            return (null, [new IssueComponent
            {
                Severity = IssueSeverity.Error,
                Code = IssueType.NotFound,
                Diagnostics = OutcomeText.Bound($"The Questionnaire {canonical} is not on this server; store it before its responses."),
                Expression = ["QuestionnaireResponse.questionnaire"],
            }]);
        return (questionnaire, await ResponseChecker.CheckAsync(questionnaire, response, _valueSets, ct));
    }
}
