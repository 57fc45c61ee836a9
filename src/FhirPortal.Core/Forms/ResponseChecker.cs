using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using static Hl7.Fhir.Model.OperationOutcome;
using ItemType = Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType;
using Status = Hl7.Fhir.Model.QuestionnaireResponse.QuestionnaireResponseStatus;

namespace FhirPortal.Core.Forms;

/// <summary>
/// Checks a QuestionnaireResponse against its Questionnaire (R4 QuestionnaireResponse "validation" rules): every linkId
/// exists at its place, answers have the item type's type, match an answerOption or the answerValueSet, respect
/// <c>repeats</c> and <c>maxLength</c>; display items and groups take no answers. A <c>completed</c> or <c>amended</c>
/// response must also answer every enabled required item and leave disabled items (enableWhen) unanswered; drafts
/// (<c>in-progress</c>, <c>stopped</c>) are checked for structure and types only, <c>entered-in-error</c> not at all.
/// <c>readOnly</c> is not checked (the server cannot tell who filled an item in). Each issue's expression is the
/// path in the response, its text names the linkId.
/// </summary>
internal sealed class ResponseChecker
{
    private readonly Questionnaire _questionnaire;
    private readonly IAnswerValueSets _valueSets;
    private readonly bool _complete;
    private readonly EnableWhen _enableWhen;
    private readonly List<IssueComponent> _issues = [];
    private readonly Dictionary<string, AnswerCodes> _codes = [];

    private ResponseChecker(Questionnaire questionnaire, QuestionnaireResponse response, IAnswerValueSets valueSets)
    {
        (_questionnaire, _valueSets) = (questionnaire, valueSets);
        _complete = response.Status is Status.Completed or Status.Amended;
        _enableWhen = EnableWhen.Of(response);
    }

    /// <summary>The issues of <paramref name="response"/> against <paramref name="questionnaire"/> (none: it conforms).</summary>
    public static async Task<List<IssueComponent>> CheckAsync(Questionnaire questionnaire, QuestionnaireResponse response, IAnswerValueSets valueSets, CancellationToken ct)
    {
        var checker = new ResponseChecker(questionnaire, response, valueSets);
        if (response.Status != Status.EnteredInError)
            await checker.ItemsAsync(questionnaire.Item, response.Item, "QuestionnaireResponse", enabled: true, ct);
        return checker._issues;
    }

    private async Task ItemsAsync(List<Questionnaire.ItemComponent> definitions, List<QuestionnaireResponse.ItemComponent> items, string path, bool enabled, CancellationToken ct)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var itemPath = $"{path}.item[{i}]";
            var definition = definitions.FirstOrDefault(d => d.LinkId == item.LinkId);
            if (definition is null)
            {
                Error(IssueType.Structure, itemPath, Anywhere(_questionnaire.Item, item.LinkId)
                    ? $"Item '{item.LinkId}' does not belong here: the Questionnaire has it at another place."
                    : $"Item '{item.LinkId}' is not in the Questionnaire.");
                continue;
            }
            var count = seen[definition.LinkId ?? ""] = seen.GetValueOrDefault(definition.LinkId ?? "") + 1;
            if (count == 2 && definition.Repeats != true)
                Error(IssueType.Structure, itemPath, $"Item '{definition.LinkId}' does not repeat but appears more than once.");
            await ItemAsync(definition, item, itemPath, enabled, ct);
        }
        if (!_complete || !enabled) return;
        foreach (var definition in definitions.Where(d => d.Required == true && d.Type != ItemType.Display && _enableWhen.IsEnabled(d)))
            if (!items.Any(i => i.LinkId == definition.LinkId && (HasContent(i) || ReportsInside(definition))))
                Error(IssueType.Required, path, $"Item '{definition.LinkId}'{Label(definition)} is required and has no answer.");
    }

    private async Task ItemAsync(Questionnaire.ItemComponent definition, QuestionnaireResponse.ItemComponent item, string path, bool parentEnabled, CancellationToken ct)
    {
        var linkId = definition.LinkId;
        var enabled = parentEnabled && _enableWhen.IsEnabled(definition);
        if (!enabled && _complete && HasContent(item))
        {
            Error(IssueType.BusinessRule, path, $"Item '{linkId}' is answered but disabled by its enableWhen conditions (or its parent's); remove the answer.");
            return;
        }
        if (definition.Type == ItemType.Display)
        {
            if (item.Answer.Count > 0 || item.Item.Count > 0) Error(IssueType.Structure, path, $"Item '{linkId}' is a display item and takes no answers.");
            return;
        }
        if (definition.Type == ItemType.Group)
        {
            if (item.Answer.Count > 0) Error(IssueType.Structure, $"{path}.answer[0]", $"Item '{linkId}' is a group and takes no answers; its items do.");
            await ItemsAsync(definition.Item, item.Item, path, enabled, ct);
            return;
        }
        if (item.Answer.Count > 1 && definition.Repeats != true)
            Error(IssueType.Structure, $"{path}.answer[1]", $"Item '{linkId}' does not repeat: it takes one answer, not {item.Answer.Count}.");
        for (var j = 0; j < item.Answer.Count; j++)
        {
            var answerPath = $"{path}.answer[{j}]";
            await AnswerAsync(definition, item.Answer[j], answerPath, ct);
            await ItemsAsync(definition.Item, item.Answer[j].Item, answerPath, enabled && item.Answer[j].Value is not null, ct);
        }
        if (item.Item.Count > 0) await ItemsAsync(definition.Item, item.Item, path, enabled, ct);
    }

    private async Task AnswerAsync(Questionnaire.ItemComponent definition, QuestionnaireResponse.AnswerComponent answer, string path, CancellationToken ct)
    {
        var (linkId, value) = (definition.LinkId, answer.Value);
        if (value is null)
        {
            if (answer.Item.Count == 0) Error(IssueType.Required, path, $"Item '{linkId}' has an answer without a value.");
            return;
        }
        var options = definition.AnswerOption.Select(o => o.Value).OfType<DataType>().ToList();
        var allowed = AnswerValues.AllowedTypes(definition.Type, options);
        if (allowed is null || !allowed.Contains(value.TypeName))
        {
            Error(IssueType.Invalid, $"{path}.value", $"Item '{linkId}' is of type {definition.Type?.GetLiteral() ?? "(none)"}: " +
                $"its answers are {(allowed is null ? "not allowed" : string.Join(" or ", allowed))}, not {value.TypeName}.");
            return;
        }
        var freeText = definition.Type == ItemType.OpenChoice && value is FhirString;
        if (options.Count > 0 && !freeText && !options.Any(o => AnswerValues.Same(value, o)))
            Error(IssueType.CodeInvalid, $"{path}.value", $"Item '{linkId}': {AnswerValues.Describe(value)} is not one of its answerOptions.");
        if (definition.AnswerValueSet is { } valueSet && value is Coding coding)
        {
            if (!_codes.TryGetValue(valueSet, out var codes)) _codes[valueSet] = codes = await _valueSets.CodesAsync(_questionnaire, valueSet, ct);
            if (codes.Codes is null)
                Issue(IssueSeverity.Warning, IssueType.NotSupported, $"{path}.value",
                    $"Item '{linkId}': the answer was not checked against answerValueSet {valueSet} ({codes.Why}).");
            else if (!codes.Contains(coding))
                Error(IssueType.CodeInvalid, $"{path}.value", $"Item '{linkId}': {AnswerValues.Describe(coding)} is not in its answerValueSet {valueSet}.");
        }
        if (definition.MaxLength is { } max && AnswerValues.Length(value) is { } length && length > max)
            Error(IssueType.TooLong, $"{path}.value", $"Item '{linkId}': the answer has {length} characters, more than its maxLength {max}.");
    }

    /// <summary>Whether an item holds an answer (at any depth): a required group counts as answered when one of its items is.</summary>
    private static bool HasContent(QuestionnaireResponse.ItemComponent item) =>
        item.Answer.Any(a => a.Value is not null || a.Item.Any(HasContent)) || item.Item.Any(HasContent);

    /// <summary>A present group with required items of its own reports those (one error at the place to fill in).</summary>
    private static bool ReportsInside(Questionnaire.ItemComponent definition) =>
        definition.Type == ItemType.Group && definition.Item.Any(i => i.Required == true);

    private static bool Anywhere(IEnumerable<Questionnaire.ItemComponent> items, string? linkId) =>
        items.Any(i => i.LinkId == linkId || Anywhere(i.Item, linkId));

    private static string Label(Questionnaire.ItemComponent item) => item.Text is { Length: > 0 } text ? $" (\"{text}\")" : "";

    private void Error(IssueType code, string path, string message) => Issue(IssueSeverity.Error, code, path, message);

    private void Issue(IssueSeverity severity, IssueType code, string path, string message) =>
        _issues.Add(new IssueComponent { Severity = severity, Code = code, Diagnostics = OutcomeText.Bound(message), Expression = [path] });
}
