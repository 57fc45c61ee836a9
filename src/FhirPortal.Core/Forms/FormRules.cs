using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Forms;

/// <summary>
/// The pre-visit forms rules, run on every QuestionnaireResponse write (REST, transactions): the response must
/// conform to its Questionnaire (<see cref="FormResponses"/>, 422 with every issue otherwise).
/// </summary>
internal sealed class FormRules(FormResponses responses) : IWriteRule
{
    public async System.Threading.Tasks.Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.Key.Type != "QuestionnaireResponse" || write.Version.IsDeleted) return;
        if (FhirParser.ParseStored(write.Version.Json.Span) is not QuestionnaireResponse response) return;
        var issues = await responses.CheckAsync(response, QuestionnaireLookup.Of(unit), ct);
        if (!issues.Any(i => i.Severity is IssueSeverity.Error or IssueSeverity.Fatal)) return;
        var outcome = new OperationOutcome();
        outcome.Issue.AddRange(issues);
        throw new FhirOutcomeException(422, outcome);
    }
}
