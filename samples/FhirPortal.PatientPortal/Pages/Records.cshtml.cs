using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>
/// Records: the whole record (<c>Patient/$everything</c>) and the IPS summary (<c>Patient/$summary</c>) as FHIR JSON or
/// PDF downloads, and the patient's share links (SMART Health Links): create, list, revoke.
/// </summary>
public sealed class RecordsModel(PatientRecord record, ShareLinks shareLinks, TimeProvider clock, IOptions<PortalOptions> options) : PageModel
{
    /// <summary>What can be downloaded: the server's operation and <c>_download</c> value, the type and file name sent on.</summary>
    private static readonly Dictionary<string, (string Operation, string Query, string ContentType, string File)> Downloads = new()
    {
        ["record"] = ("$everything", "_download=true&_format=json", "application/fhir+json", "health-record-{0}.json"),
        ["record-pdf"] = ("$everything", "_download=pdf", "application/pdf", "health-record-{0}.pdf"),
        ["summary"] = ("$summary", "_download=true&_format=json", "application/fhir+json", "health-summary-{0}.json"),
        ["summary-pdf"] = ("$summary", "_download=pdf", "application/pdf", "health-summary-{0}.pdf"),
    };

    public List<ShareLink> Links { get; private set; } = [];

    /// <summary>The <c>shlink:/</c> text of the link just created: the server returns it only once, so it is shown only now.</summary>
    public string? NewShlink { get; private set; }

    [TempData] public string? Message { get; set; }
    [TempData] public string? Error { get; set; }

    /// <summary>What this very response says (a page rendered from a POST; TempData would repeat it on the next page).</summary>
    public string? NowMessage { get; private set; }
    public string? NowError { get; private set; }

    [BindProperty] public DateOnly? Expires { get; set; }
    [BindProperty] public string? Passcode { get; set; }
    [BindProperty] public string? Label { get; set; }

    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public async System.Threading.Tasks.Task OnGetAsync() => await LoadLinksAsync();

    /// <summary>Streams one of the server's downloads through to the browser (the token stays here; nothing is held in memory).</summary>
    public async Task<IActionResult> OnGetDownloadAsync(string? what)
    {
        if (!Downloads.TryGetValue(what ?? "record", out var download)) return NotFound();
        var http = await record.AuthorizedHttpClientAsync();
        var url = $"{options.Value.FhirBaseUrl.TrimEnd('/')}/Patient/{Uri.EscapeDataString(record.PatientId)}/{download.Operation}?{download.Query}";
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, HttpContext.RequestAborted);
        HttpContext.Response.RegisterForDispose(response);
        // A revoked grant: RevokedAccessFilter ends the session and signs in again, as on the other pages.
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            throw new FhirOperationException("The FHIR server refused the session's token.", response.StatusCode);
        if (!response.IsSuccessStatusCode)
        {
            Error = "The download failed: " + ServerProblem.TextOf(await response.Content.ReadAsStringAsync(HttpContext.RequestAborted), (int)response.StatusCode);
            return RedirectToPage();
        }
        var stream = await response.Content.ReadAsStreamAsync(HttpContext.RequestAborted);
        return File(stream, download.ContentType, string.Format(System.Globalization.CultureInfo.InvariantCulture, download.File, record.PatientId));
    }

    /// <summary>Creates a link valid until the end of the chosen day (UTC); the page shows its <c>shlink:/</c> text once.</summary>
    public async Task<IActionResult> OnPostShareAsync()
    {
        if (Expires is not { } day)
        {
            NowError = "Choose the day the link stops working.";
            await LoadLinksAsync();
            return Page();
        }
        try
        {
            var (shlink, _) = await shareLinks.CreateAsync(new DateTimeOffset(day.ToDateTime(new TimeOnly(23, 59, 59)), TimeSpan.Zero), Passcode, Label);
            NewShlink = shlink;
            NowMessage = "Share link created. Copy it now: it is shown only this once.";
        }
        catch (FhirOperationException e) when (e.Status != System.Net.HttpStatusCode.Unauthorized)
        {
            NowError = string.Join(" ", ServerProblem.Texts(e));
        }
        await LoadLinksAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string id)
    {
        try
        {
            var revoked = await shareLinks.RevokeAsync(id);
            Message = $"Revoked the share link {revoked.Label ?? "without a label"}: it no longer opens.";
        }
        catch (FhirOperationException e) when (e.Status != System.Net.HttpStatusCode.Unauthorized)
        {
            Error = string.Join(" ", ServerProblem.Texts(e));
        }
        return RedirectToPage();
    }

    private async System.Threading.Tasks.Task LoadLinksAsync()
    {
        try
        {
            Links = await shareLinks.ListAsync();
        }
        catch (FhirOperationException e) when (e.Status != System.Net.HttpStatusCode.Unauthorized)
        {
            NowError = "Your share links could not be listed: " + string.Join(" ", ServerProblem.Texts(e));
        }
    }
}
