using System.Net;
using System.Text.Json.Nodes;
using UglyToad.PdfPig;

namespace FhirPortal.Server.Tests.Billing;

/// <summary><c>Invoice/{id}/$statement</c>: a printable statement as PDF (read back with PdfPig) or HTML, for whoever may read the Invoice.</summary>
public sealed class StatementTests : IDisposable
{
    private readonly BillingData _data = new();

    public void Dispose() => _data.Dispose();

    private async Task SeedAsync(JsonArray? lines = null)
    {
        var patient = new JsonObject
        {
            ["resourceType"] = "Patient", ["id"] = "p1",
            ["meta"] = new JsonObject { ["profile"] = new JsonArray("http://fhirportal.org/fhir/StructureDefinition/portal-patient") },
            ["identifier"] = new JsonArray(new JsonObject
            {
                ["type"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v2-0203", ["code"] = "MR" }) },
                ["system"] = "http://hospital.example.org/mrn", ["value"] = "MRN-1",
            }),
            ["name"] = new JsonArray(new JsonObject { ["family"] = "Quinlan", ["given"] = new JsonArray("Harriet") }),
            ["gender"] = "female", ["birthDate"] = "1970-05-04",
        };
        var invoice = BillingData.Invoice("inv", "acct", "p1", "issued", 140);
        invoice["lineItem"] = lines ?? new JsonArray(Line("Office visit, established patient", 100), Line("Lipid panel", 40));
        await _data.PutAsync(patient, BillingData.Account("acct", "p1", "p1", "G-77"), invoice, BillingData.Payment("pay", "inv", 30));
    }

    [Fact]
    public async Task A_long_pdf_statement_runs_over_pages_and_keeps_its_totals()
    {
        // 70 lines of 2.00 make the same 140.00 total; one A4 page holds far fewer rows.
        await SeedAsync(new JsonArray([.. Enumerable.Range(1, 70).Select(i => (JsonNode)Line($"Supply item {i:00}", 2))]));

        var response = await _data.PatientApp("p1").GetAsync("Invoice/inv/$statement?_format=pdf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var pdf = PdfDocument.Open(await response.Content.ReadAsByteArrayAsync());
        Assert.True(pdf.NumberOfPages > 1);
        var text = string.Join("\n", pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
        Assert.Contains("Supply item 70", text);
        Assert.Contains("Amount due", text);
        Assert.Contains("110.00 USD", text);
    }

    [Fact]
    public async Task The_pdf_statement_shows_the_patient_the_lines_and_the_totals()
    {
        await SeedAsync();

        var response = await _data.PatientApp("p1").GetAsync("Invoice/inv/$statement?_format=pdf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        using var pdf = PdfDocument.Open(await response.Content.ReadAsByteArrayAsync());
        var text = string.Join("\n", pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
        Assert.Contains("Harriet Quinlan", text);
        Assert.Contains("G-77", text);
        Assert.Contains("Office visit, established patient", text);
        Assert.Contains("Lipid panel", text);
        Assert.Contains("140.00 USD", text);
        Assert.Contains("30.00 USD", text);
        Assert.Contains("110.00 USD", text);
    }

    [Fact]
    public async Task The_html_statement_is_the_same_view_encoded_for_a_browser()
    {
        await SeedAsync();

        var response = await _data.PatientApp("p1").GetAsync("Invoice/inv/$statement?_format=html");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<dd>Harriet Quinlan</dd>", html);
        Assert.Contains("<td>Lipid panel</td><td class=\"amount\">40.00 USD</td>", html);
        Assert.Contains("<th>Amount due</th><td class=\"amount\">110.00 USD</td>", html);
    }

    [Theory]
    [InlineData("p2", "Invoice/inv/$statement", HttpStatusCode.Forbidden)]
    [InlineData("p1", "Invoice/none/$statement", HttpStatusCode.NotFound)]
    [InlineData("p1", "Invoice/inv/$statement?_format=docx", HttpStatusCode.NotAcceptable)]
    public async Task A_statement_nobody_may_see_is_an_OperationOutcome(string patient, string url, HttpStatusCode expected)
    {
        await SeedAsync();

        var response = await _data.PatientApp(patient).GetAsync(url);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    private static JsonObject Line(string text, decimal amount) => new()
    {
        ["chargeItemCodeableConcept"] = new JsonObject { ["text"] = text },
        ["priceComponent"] = new JsonArray(new JsonObject { ["type"] = "base", ["amount"] = new JsonObject { ["value"] = amount, ["currency"] = "USD" } }),
    };
}
