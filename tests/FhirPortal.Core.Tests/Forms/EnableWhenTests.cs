using System.Text;
using FhirPortal.Core.Forms;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Forms;

public sealed class EnableWhenTests
{
    private static bool Enabled(string condition, string answers, string behavior = "all")
    {
        var item = (Questionnaire)FhirParser.ParseStored(Encoding.UTF8.GetBytes(
            $$"""{ "resourceType": "Questionnaire", "status": "active", "item": [ { "linkId": "x", "type": "boolean", "enableBehavior": "{{behavior}}", "enableWhen": [ {{condition}} ] } ] }"""));
        var response = (QuestionnaireResponse)FhirParser.ParseStored(Encoding.UTF8.GetBytes(
            $$"""{ "resourceType": "QuestionnaireResponse", "status": "completed", "item": [ {{answers}} ] }"""));
        return EnableWhen.Of(response).IsEnabled(item.Item[0]);
    }

    private const string Age30 = """{ "linkId": "age", "answer": [ { "valueInteger": 30 } ] }""";
    private const string Kg70 = """{ "linkId": "w", "answer": [ { "valueQuantity": { "value": 70, "code": "kg" } } ] }""";
    private const string Dated = """{ "linkId": "d", "answer": [ { "valueDate": "2020-05-01" } ] }""";
    private const string Coded = """{ "linkId": "c", "item": [ { "linkId": "inner", "answer": [ { "valueCoding": { "system": "s", "code": "a" } } ] } ] }""";

    [Theory]
    [InlineData("""{ "question": "age", "operator": "exists", "answerBoolean": true }""", Age30, true)]
    [InlineData("""{ "question": "age", "operator": "exists", "answerBoolean": false }""", Age30, false)]
    [InlineData("""{ "question": "other", "operator": "exists", "answerBoolean": false }""", Age30, true)]
    [InlineData("""{ "question": "age", "operator": "=", "answerInteger": 30 }""", Age30, true)]
    [InlineData("""{ "question": "age", "operator": "=", "answerDecimal": 30.0 }""", Age30, true)]
    [InlineData("""{ "question": "age", "operator": "!=", "answerInteger": 30 }""", Age30, false)]
    [InlineData("""{ "question": "age", "operator": "!=", "answerInteger": 31 }""", Age30, true)]
    [InlineData("""{ "question": "other", "operator": "!=", "answerInteger": 31 }""", Age30, false)]
    [InlineData("""{ "question": "age", "operator": ">", "answerInteger": 29 }""", Age30, true)]
    [InlineData("""{ "question": "age", "operator": ">", "answerInteger": 30 }""", Age30, false)]
    [InlineData("""{ "question": "age", "operator": "<", "answerInteger": 31 }""", Age30, true)]
    [InlineData("""{ "question": "age", "operator": ">=", "answerInteger": 30 }""", Age30, true)]
    [InlineData("""{ "question": "age", "operator": "<=", "answerInteger": 29 }""", Age30, false)]
    [InlineData("""{ "question": "w", "operator": ">", "answerQuantity": { "value": 60, "code": "kg" } }""", Kg70, true)]
    [InlineData("""{ "question": "w", "operator": ">", "answerQuantity": { "value": 60, "code": "[lb_av]" } }""", Kg70, false)]
    [InlineData("""{ "question": "d", "operator": "<", "answerDate": "2021-01-01" }""", Dated, true)]
    [InlineData("""{ "question": "d", "operator": ">=", "answerDateTime": "2020-05-02T00:00:00Z" }""", Dated, false)]
    [InlineData("""{ "question": "inner", "operator": "=", "answerCoding": { "system": "s", "code": "a" } }""", Coded, true)]
    [InlineData("""{ "question": "inner", "operator": "=", "answerCoding": { "system": "s", "code": "b" } }""", Coded, false)]
    public void Each_operator_compares_the_answers_as_R4_defines_it(string condition, string answers, bool enabled)
    {
        Assert.Equal(enabled, Enabled(condition, answers));
    }

    [Theory]
    [InlineData("all", false)]
    [InlineData("any", true)]
    public void Several_conditions_combine_by_enable_behavior(string behavior, bool enabled)
    {
        var conditions = """{ "question": "age", "operator": "=", "answerInteger": 30 }, { "question": "age", "operator": ">", "answerInteger": 40 }""";
        Assert.Equal(enabled, Enabled(conditions, Age30, behavior));
    }
}
