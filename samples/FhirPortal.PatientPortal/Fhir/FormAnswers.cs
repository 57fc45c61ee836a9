using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Primitives;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// A form's answers by linkId (linkIds are unique in a Questionnaire, R4 que-2): read from a saved response or from the
/// posted HTML form, and written back as a QuestionnaireResponse that follows the Questionnaire's item tree. Items that
/// <c>enableWhen</c> disables are left out, as R4 requires of a response.
/// </summary>
public sealed class FormAnswers
{
    /// <summary>The name of the HTML field of an item.</summary>
    public static string FieldName(string? linkId) => "q." + linkId;

    private readonly Dictionary<string, List<DataType>> _answers = new(StringComparer.Ordinal);

    public IReadOnlyList<DataType> Of(string? linkId) => linkId is not null && _answers.TryGetValue(linkId, out var values) ? values : [];

    /// <summary>The answers of a response (its items and the items under answers).</summary>
    public static FormAnswers From(QuestionnaireResponse? response)
    {
        var answers = new FormAnswers();
        void Walk(IEnumerable<QuestionnaireResponse.ItemComponent> items)
        {
            foreach (var item in items)
            {
                foreach (var answer in item.Answer)
                {
                    if (answer.Value is { } value && item.LinkId is { } linkId) answers.Add(linkId, value);
                    Walk(answer.Item);
                }
                Walk(item.Item);
            }
        }
        Walk(response?.Item ?? []);
        return answers;
    }

    /// <summary>The answers the patient typed: each question's field parsed as its item type (text that does not parse is
    /// kept as a string, so the server's check names the item).</summary>
    public static FormAnswers From(Questionnaire form, IFormCollection posted)
    {
        var answers = new FormAnswers();
        foreach (var item in Questions(form.Item))
            foreach (var raw in posted[FieldName(item.LinkId)].Where(v => !string.IsNullOrWhiteSpace(v)))
                if (Parse(item, raw!.Trim()) is { } value) answers.Add(item.LinkId!, value);
        return answers;
    }

    private void Add(string linkId, DataType value)
    {
        if (!_answers.TryGetValue(linkId, out var values)) _answers[linkId] = values = [];
        values.Add(value);
    }

    /// <summary>Every question item of the form (groups and display items left out), in order.</summary>
    public static IEnumerable<Questionnaire.ItemComponent> Questions(IEnumerable<Questionnaire.ItemComponent> items) =>
        items.SelectMany(i => (i.Type is Questionnaire.QuestionnaireItemType.Group or Questionnaire.QuestionnaireItemType.Display ? [] : new[] { i })
            .Concat(Questions(i.Item)));

    private static DataType? Parse(Questionnaire.ItemComponent item, string raw) => item.Type switch
    {
        Questionnaire.QuestionnaireItemType.Boolean => raw switch { "true" => new FhirBoolean(true), "false" => new FhirBoolean(false), _ => null },
        Questionnaire.QuestionnaireItemType.Integer => int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? new Integer(i) : new FhirString(raw),
        Questionnaire.QuestionnaireItemType.Decimal => decimal.TryParse(raw, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? new FhirDecimal(d) : new FhirString(raw),
        Questionnaire.QuestionnaireItemType.Date => DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? new Date(raw) : new FhirString(raw),
        // A choice field posts the index of the chosen answerOption.
        Questionnaire.QuestionnaireItemType.Choice or Questionnaire.QuestionnaireItemType.OpenChoice =>
            int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < item.AnswerOption.Count ? (DataType)item.AnswerOption[n].Value.DeepCopy() : null,
        _ => new FhirString(raw),
    };

    /// <summary>Whether an answer is the given answerOption (Codings by system and code).</summary>
    public static bool Same(DataType answer, DataType option) => (answer, option) switch
    {
        (Coding a, Coding o) => a.System == o.System && a.Code == o.Code,
        _ => answer.IsExactly(option),
    };

    /// <summary>A response following the form's item tree with the answers of the enabled items (no status or subject yet).</summary>
    public QuestionnaireResponse ToResponse(Questionnaire form)
    {
        var enableWhen = new FormEnableWhen(this);
        List<QuestionnaireResponse.ItemComponent> Items(IEnumerable<Questionnaire.ItemComponent> definitions)
        {
            var items = new List<QuestionnaireResponse.ItemComponent>();
            foreach (var definition in definitions.Where(d => d.Type != Questionnaire.QuestionnaireItemType.Display && enableWhen.IsEnabled(d)))
            {
                var item = new QuestionnaireResponse.ItemComponent { LinkId = definition.LinkId, Text = definition.Text };
                if (definition.Type == Questionnaire.QuestionnaireItemType.Group)
                {
                    item.Item = Items(definition.Item);
                    if (item.Item.Count > 0) items.Add(item);
                    continue;
                }
                var values = Of(definition.LinkId);
                if (values.Count == 0) continue;
                item.Answer = [.. values.Take(definition.Repeats == true ? values.Count : 1).Select(v => new QuestionnaireResponse.AnswerComponent { Value = v })];
                // Items nested under a question belong under its answer.
                if (Items(definition.Item) is { Count: > 0 } children) item.Answer[0].Item = children;
                items.Add(item);
            }
            return items;
        }
        return new QuestionnaireResponse { Item = Items(form.Item) };
    }
}
