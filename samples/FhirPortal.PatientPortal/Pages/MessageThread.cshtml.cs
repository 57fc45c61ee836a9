using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>
/// One conversation: its messages oldest first (those new to the patient flagged, and marked read with $mark-read by the
/// page's "Mark as read" POST, never by a GET a cross-site link could trigger), a reply, attachments.
/// </summary>
public sealed class MessageThreadModel(Messaging messaging) : PageModel
{
    public MessageThread? Thread { get; private set; }
    public HashSet<string> New { get; } = [];
    public Dictionary<string, string> CareTeam { get; private set; } = [];

    [BindProperty] public string? Text { get; set; }
    [BindProperty] public IFormFile? Attachment { get; set; }

    [TempData] public string? Message { get; set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id)
    {
        if (!await LoadAsync(id)) return NotFound();
        foreach (var unread in Thread!.Unread) New.Add(unread.Id!);
        return Page();
    }

    /// <summary>Marks each message still unread as read on the server (<c>received</c>, once), then shows the thread again.</summary>
    public async Task<IActionResult> OnPostMarkReadAsync(string id)
    {
        if (!await LoadAsync(id)) return NotFound();
        foreach (var unread in Thread!.Unread.ToList()) await messaging.MarkReadAsync(unread.Id!);
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostAsync(string id)
    {
        if (!await LoadAsync(id)) return NotFound();
        if (string.IsNullOrWhiteSpace(Text))
        {
            Error = "Write your reply.";
            return Page();
        }
        try
        {
            await messaging.SendAsync(Thread!.ReplyRecipients(), null, Text, Attachment, inResponseTo: Thread.Latest);
            Message = "Your reply was sent.";
            return RedirectToPage(new { id });
        }
        catch (AttachmentRefusedException e)
        {
            Error = MessagesModel.AttachmentProblem(e);
        }
        catch (FhirOperationException e)
        {
            Error = ServerProblem.Text(e);
        }
        return Page();
    }

    /// <summary>Streams an attachment of this thread from the server (only Binaries the thread's messages name).</summary>
    public async Task<IActionResult> OnGetAttachmentAsync(string id, string binary)
    {
        if (!await LoadAsync(id)) return NotFound();
        var attachment = Attachments(Thread!.Messages).FirstOrDefault(a => a.Url == "Binary/" + binary);
        if (attachment is null) return NotFound();
        var response = await messaging.DownloadAsync(binary, attachment.ContentType ?? "application/octet-stream");
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            return StatusCode((int)response.StatusCode);
        }
        HttpContext.Response.RegisterForDispose(response);
        var name = string.IsNullOrEmpty(attachment.Title) ? "attachment" : attachment.Title;
        return File(await response.Content.ReadAsStreamAsync(), response.Content.Headers.ContentType?.MediaType ?? "application/octet-stream", name);
    }

    private async Task<bool> LoadAsync(string id)
    {
        Thread = await messaging.ThreadAsync(id);
        if (Thread is null) return false;
        CareTeam = await messaging.CareTeamAsync();
        foreach (var (reference, name) in await messaging.NamesAsync(Thread.Messages)) CareTeam.TryAdd(reference, name);
        return true;
    }

    public static IEnumerable<Hl7.Fhir.Model.Attachment> Attachments(IEnumerable<Communication> messages) =>
        messages.SelectMany(m => m.Payload).Select(p => p.Content).OfType<Hl7.Fhir.Model.Attachment>().Where(a => a.Url?.StartsWith("Binary/", StringComparison.Ordinal) == true);

    public string Sender(Communication message) =>
        Thread!.IsFromPatient(message) ? "You" : Display.Actor(message.Sender, CareTeam);
}
