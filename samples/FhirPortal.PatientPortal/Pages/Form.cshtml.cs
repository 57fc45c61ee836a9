using System.Text.RegularExpressions;
using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>
/// One assigned form rendered from its Questionnaire: pre-filled by $populate (or the saved draft), saved as a draft or
/// submitted; the server's check of the response comes back as issues shown next to their items.
/// </summary>
public sealed partial class FormModel(Forms forms) : PageModel
{
    public FormAssignment? Assignment { get; private set; }
    public FormView? View { get; private set; }
    public bool Prefilled { get; private set; }

    [TempData] public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(string id)
    {
        Assignment = await forms.AssignmentAsync(id);
        if (Assignment is null) return NotFound();
        var saved = Assignment.Draft;
        if (saved is null && Assignment.IsOpen)
        {
            saved = await forms.PopulateAsync(Assignment.Form);
            Prefilled = FormAnswers.From(saved) is var prefilled && FormAnswers.Questions(Assignment.Form.Item).Any(q => prefilled.Of(q.LinkId).Count > 0);
        }
        View = new FormView(Assignment.Form, FormAnswers.From(saved), []);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, string action)
    {
        Assignment = await forms.AssignmentAsync(id);
        if (Assignment is null) return NotFound();
        var answers = FormAnswers.From(Assignment.Form, Request.Form);
        var submit = action == "submit";
        try
        {
            await forms.SaveAsync(Assignment, answers, submit);
            // Both pages show TempData "Message": a submitted form returns to the list, a draft to itself.
            if (submit)
            {
                Message = $"Thank you: “{FormAssignment.Title(Assignment.Form)}” was sent to your care team.";
                return RedirectToPage("/Forms");
            }
            Message = "Your draft was saved. You can come back and finish it later.";
            return RedirectToPage(new { id });
        }
        catch (FhirOperationException e) when ((int)e.Status is 400 or 409 or 412 or 422)
        {
            View = new FormView(Assignment.Form, answers, ServerProblem.Texts(e));
            return Page();
        }
    }
}

/// <summary>What the form renders: the Questionnaire, the answers shown, and the server's issues by linkId (the rest apart).</summary>
public sealed partial class FormView
{
    public FormView(Questionnaire form, FormAnswers answers, IReadOnlyList<string> problems)
    {
        Form = form;
        Answers = answers;
        void Number(IEnumerable<Questionnaire.ItemComponent> items, string prefix)
        {
            var index = 0;
            foreach (var item in items)
            {
                var id = $"{prefix}-{index++}";
                if (item.LinkId is not null) FieldIds.TryAdd(item.LinkId, id);
                Number(item.Item, id);
            }
        }
        Number(form.Item, "q");
        foreach (var problem in problems)
        {
            var linkId = ItemName().Match(problem) is { Success: true } m ? m.Groups[1].Value : null;
            if (linkId is not null && FormAnswers.Questions(form.Item).Concat(Groups(form.Item)).Any(q => q.LinkId == linkId))
            {
                if (!ItemErrors.TryGetValue(linkId, out var list)) ItemErrors[linkId] = list = [];
                list.Add(problem);
            }
            else FormErrors.Add(problem);
        }
    }

    public Questionnaire Form { get; }
    public FormAnswers Answers { get; }
    public Dictionary<string, List<string>> ItemErrors { get; } = new(StringComparer.Ordinal);
    public List<string> FormErrors { get; } = [];
    public bool HasErrors => ItemErrors.Count > 0 || FormErrors.Count > 0;

    /// <summary>The HTML id of each item (from its place in the tree: linkIds may hold any character).</summary>
    public Dictionary<string, string> FieldIds { get; } = new(StringComparer.Ordinal);

    /// <summary>When an item applies, in words: "Answer only if “Do you smoke?” is Yes".</summary>
    public string? Condition(Questionnaire.ItemComponent item)
    {
        if (item.EnableWhen.Count == 0) return null;
        var parts = item.EnableWhen.Select(c => $"“{QuestionText(c.Question)}” " + (c.Operator switch
        {
            Questionnaire.QuestionnaireItemOperator.Exists => c.Answer is FhirBoolean { Value: true } ? "is answered" : "is not answered",
            Questionnaire.QuestionnaireItemOperator.Equal => "is " + Text(c.Answer),
            Questionnaire.QuestionnaireItemOperator.NotEqual => "is not " + Text(c.Answer),
            Questionnaire.QuestionnaireItemOperator.GreaterThan => "is more than " + Text(c.Answer),
            Questionnaire.QuestionnaireItemOperator.LessThan => "is less than " + Text(c.Answer),
            Questionnaire.QuestionnaireItemOperator.GreaterOrEqual => "is at least " + Text(c.Answer),
            _ => "is at most " + Text(c.Answer),
        }));
        return "Answer only if " + string.Join(item.EnableBehavior == Questionnaire.EnableWhenBehavior.Any ? " or " : " and ", parts) + ".";
    }

    /// <summary>An answer or option as the patient reads it.</summary>
    public static string Text(DataType? value) => value switch
    {
        FhirBoolean b => b.Value == true ? "Yes" : "No",
        Coding c => c.Display ?? c.Code ?? "",
        PrimitiveType p => p.ToString() ?? "",
        _ => Display.Value(value),
    };

    /// <summary>A question's text for an enableWhen hint.</summary>
    public string QuestionText(string? linkId) =>
        FormAnswers.Questions(Form.Item).FirstOrDefault(q => q.LinkId == linkId)?.Text ?? linkId ?? "";

    private static IEnumerable<Questionnaire.ItemComponent> Groups(IEnumerable<Questionnaire.ItemComponent> items) =>
        items.SelectMany(i => (i.Type == Questionnaire.QuestionnaireItemType.Group ? new[] { i } : []).Concat(Groups(i.Item)));

    /// <summary>The server names the item in each issue's text: "Item 'linkId' ...".</summary>
    [GeneratedRegex("^Item '([^']+)'")]
    private static partial Regex ItemName();
}

/// <summary>One item of the form with its HTML id (from its place in the tree).</summary>
public sealed record FormItemView(Questionnaire.ItemComponent Item, FormView Form)
{
    public string Id => Form.FieldIds.GetValueOrDefault(Item.LinkId ?? "") ?? "q-item";
}
