using FhirPortal.PatientPortal.Fhir;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Records: the whole record as one FHIR JSON Bundle, from the server's <c>Patient/$everything?_download=true</c>.</summary>
public sealed class RecordsModel(PatientRecord record, IOptions<PortalOptions> options) : PageModel
{
    public void OnGet() { }

    /// <summary>Streams the server's download through to the browser (the token stays here; the record is never held in memory).</summary>
    public async Task<IActionResult> OnGetDownloadAsync()
    {
        var http = await record.AuthorizedHttpClientAsync();
        var url = $"{options.Value.FhirBaseUrl.TrimEnd('/')}/Patient/{Uri.EscapeDataString(record.PatientId)}/$everything?_download=true&_format=json";
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, HttpContext.RequestAborted);
        HttpContext.Response.RegisterForDispose(response);
        // A revoked grant: RevokedAccessFilter ends the session and signs in again, as on the other pages.
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            throw new Hl7.Fhir.Rest.FhirOperationException("The FHIR server refused the session's token.", response.StatusCode);
        if (!response.IsSuccessStatusCode)
            return StatusCode(StatusCodes.Status502BadGateway, $"The FHIR server answered {(int)response.StatusCode} to the record download.");
        var stream = await response.Content.ReadAsStreamAsync(HttpContext.RequestAborted);
        return File(stream, "application/fhir+json", $"health-record-{record.PatientId}.json");
    }
}
