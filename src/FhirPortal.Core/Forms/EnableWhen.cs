using Hl7.Fhir.Model;
using Operator = Hl7.Fhir.Model.Questionnaire.QuestionnaireItemOperator;

namespace FhirPortal.Core.Forms;

/// <summary>
/// Questionnaire.item.enableWhen (R4): whether an item is enabled given the response's answers, collected by linkId.
/// A condition on a question without answers is false, except <c>exists = false</c>; <c>=</c> holds when some answer
/// equals the value, <c>!=</c> when none does, the orderings when some answer compares so. Several conditions combine
/// by <c>enableBehavior</c>; when it is missing (que-12 requires it), all must hold.
/// </summary>
internal sealed class EnableWhen(ILookup<string, DataType> answers)
{
    /// <summary>The answers of a QuestionnaireResponse, by linkId, at every depth (under items and under answers).</summary>
    public static EnableWhen Of(QuestionnaireResponse response) => new(Collect(response.Item).ToLookup(a => a.LinkId, a => a.Value));

    public bool IsEnabled(Questionnaire.ItemComponent item)
    {
        if (item.EnableWhen.Count == 0) return true;
        var results = item.EnableWhen.Select(Holds);
        return item.EnableBehavior == Questionnaire.EnableWhenBehavior.Any ? results.Any(r => r) : results.All(r => r);
    }

    private bool Holds(Questionnaire.EnableWhenComponent condition)
    {
        var given = answers[condition.Question ?? ""].ToList();
        if (condition.Operator == Operator.Exists)
            return (condition.Answer as FhirBoolean)?.Value != false ? given.Count > 0 : given.Count == 0;
        if (given.Count == 0) return false;
        var expected = condition.Answer;
        return condition.Operator switch
        {
            Operator.Equal => given.Any(a => AnswerValues.Same(a, expected)),
            Operator.NotEqual => !given.Any(a => AnswerValues.Same(a, expected)),
            Operator.GreaterThan => given.Any(a => AnswerValues.Compare(a, expected) > 0),
            Operator.LessThan => given.Any(a => AnswerValues.Compare(a, expected) < 0),
            Operator.GreaterOrEqual => given.Any(a => AnswerValues.Compare(a, expected) >= 0),
            Operator.LessOrEqual => given.Any(a => AnswerValues.Compare(a, expected) <= 0),
            _ => false,
        };
    }

    private static IEnumerable<(string LinkId, DataType Value)> Collect(IEnumerable<QuestionnaireResponse.ItemComponent> items)
    {
        foreach (var item in items)
        {
            foreach (var answer in item.Answer)
            {
                if (answer.Value is { } value && item.LinkId is { } linkId) yield return (linkId, value);
                foreach (var nested in Collect(answer.Item)) yield return nested;
            }
            foreach (var nested in Collect(item.Item)) yield return nested;
        }
    }
}
