using Hl7.Fhir.Model;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// R4 <c>enableWhen</c> on the answers in hand: <c>exists</c>, <c>=</c>, <c>!=</c>, <c>&gt;</c>, <c>&lt;</c>,
/// <c>&gt;=</c>, <c>&lt;=</c>, joined by <c>enableBehavior</c> (all when missing). A condition on an unanswered
/// question is false, except <c>exists = false</c>. The server checks the same on submit.
/// </summary>
public sealed class FormEnableWhen(FormAnswers answers)
{
    public bool IsEnabled(Questionnaire.ItemComponent item)
    {
        if (item.EnableWhen.Count == 0) return true;
        var results = item.EnableWhen.Select(Holds);
        return item.EnableBehavior == Questionnaire.EnableWhenBehavior.Any ? results.Any(r => r) : results.All(r => r);
    }

    private bool Holds(Questionnaire.EnableWhenComponent condition)
    {
        var given = answers.Of(condition.Question);
        if (condition.Operator == Questionnaire.QuestionnaireItemOperator.Exists)
            return given.Count > 0 == (condition.Answer is FhirBoolean { Value: true });
        if (given.Count == 0 || condition.Answer is null) return false;
        return condition.Operator switch
        {
            Questionnaire.QuestionnaireItemOperator.Equal => given.Any(a => FormAnswers.Same(a, condition.Answer)),
            Questionnaire.QuestionnaireItemOperator.NotEqual => given.Any(a => !FormAnswers.Same(a, condition.Answer)),
            var op => given.Any(a => Compare(a, condition.Answer) is { } c && op switch
            {
                Questionnaire.QuestionnaireItemOperator.GreaterThan => c > 0,
                Questionnaire.QuestionnaireItemOperator.LessThan => c < 0,
                Questionnaire.QuestionnaireItemOperator.GreaterOrEqual => c >= 0,
                Questionnaire.QuestionnaireItemOperator.LessOrEqual => c <= 0,
                _ => false,
            }),
        };
    }

    /// <summary>Orders numbers, quantities (same unit), dates/times and strings; null when the two cannot be compared.</summary>
    private static int? Compare(DataType answer, DataType expected) => (answer, expected) switch
    {
        (Integer a, Integer e) => a.Value?.CompareTo(e.Value),
        (Integer a, FhirDecimal e) => ((decimal?)a.Value)?.CompareTo(e.Value),
        (FhirDecimal a, FhirDecimal e) => a.Value?.CompareTo(e.Value),
        (FhirDecimal a, Integer e) => a.Value?.CompareTo((decimal?)e.Value),
        (Quantity a, Quantity e) when a.Code == e.Code => a.Value?.CompareTo(e.Value),
        // ISO dates and times of the same precision order as text.
        (Date a, Date e) => string.CompareOrdinal(a.Value, e.Value),
        (FhirDateTime a, FhirDateTime e) => string.CompareOrdinal(a.Value, e.Value),
        (Time a, Time e) => string.CompareOrdinal(a.Value, e.Value),
        (FhirString a, FhirString e) => string.CompareOrdinal(a.Value, e.Value),
        _ => null,
    };
}
