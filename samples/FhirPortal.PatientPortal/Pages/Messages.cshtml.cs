using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Messages: the patient's threads (newest first, unread marked) and a new message to a member of the care team.</summary>
public sealed class MessagesModel(Messaging messaging) : PageModel
{
    public List<MessageThread> Threads { get; private set; } = [];
    public Dictionary<string, string> CareTeam { get; private set; } = [];

    [BindProperty] public string? Recipient { get; set; }
    [BindProperty] public string? Topic { get; set; }
    [BindProperty] public string? Text { get; set; }
    [BindProperty] public IFormFile? Attachment { get; set; }

    [TempData] public string? Message { get; set; }
    public string? Error { get; private set; }

    public async System.Threading.Tasks.Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadAsync();
        if (string.IsNullOrEmpty(Recipient) || !CareTeam.ContainsKey(Recipient)) Error = "Choose who the message is for.";
        else if (string.IsNullOrWhiteSpace(Text)) Error = "Write your message.";
        if (Error is not null) return Page();
        try
        {
            var sent = await messaging.SendAsync([Recipient!], Topic, Text!, Attachment, inResponseTo: null);
            Message = "Your message was sent.";
            return RedirectToPage("/MessageThread", new { id = sent.Id });
        }
        catch (AttachmentRefusedException e)
        {
            Error = AttachmentProblem(e);
        }
        catch (FhirOperationException e)
        {
            Error = ServerProblem.Text(e);
        }
        return Page();
    }

    private async System.Threading.Tasks.Task LoadAsync()
    {
        Threads = await messaging.ThreadsAsync();
        CareTeam = await messaging.CareTeamAsync();
        Names = await messaging.NamesAsync(Threads.Select(t => t.Latest));
    }

    /// <summary>Names of the people in the threads, reference → name.</summary>
    public Dictionary<string, string> Names { get; private set; } = [];

    /// <summary>The server's reason, in words a patient understands first (413 size, 415 type).</summary>
    public static string AttachmentProblem(AttachmentRefusedException e) => e.Status switch
    {
        413 => "The file is too large to attach. " + e.Message,
        415 => "This kind of file cannot be attached: please use a PDF, JPEG, PNG, HEIC or plain text file. " + e.Message,
        _ => "The attachment was not accepted. " + e.Message,
    };

    public string Name(string? reference) => reference is null ? "" : CareTeam.GetValueOrDefault(reference) ?? Names.GetValueOrDefault(reference) ?? reference;
}
