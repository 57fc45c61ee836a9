using System.Net;
using System.Text;
using UglyToad.PdfPig;

namespace FhirPortal.Server.Tests.Summary;

/// <summary>
/// Readable downloads: $summary and $everything with <c>_download=pdf|html</c> are attachments holding the patient's
/// name and active medications; the PDFs are read back with PdfPig.
/// </summary>
public sealed class DownloadTests(SummaryData data) : IClassFixture<SummaryData>
{
    [SkippableTheory]
    [InlineData("$summary", "pdf")]
    [InlineData("$summary", "html")]
    [InlineData("$everything", "pdf")]
    [InlineData("$everything", "html")]
    public async Task Download_holds_the_patients_name_and_medications(string operation, string format)
    {
        data.RequireLoaded();
        var (id, input) = data.Patients[SummaryData.Full];
        var response = await data.Staff.GetAsync($"Patient/{id}/{operation}?_download={format}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(format == "pdf" ? "application/pdf" : "text/html", response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.Equal("attachment", disposition?.DispositionType);
        Assert.Equal($"Patient-{id}-{operation.TrimStart('$')}.{format}", disposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = format == "pdf" ? PdfText(bytes) : Encoding.UTF8.GetString(bytes);

        var name = input.Single(r => (string?)r["resourceType"] == "Patient")["name"]![0]!;
        Assert.Contains((string)name["family"]!, text);
        Assert.Contains((string)name["given"]![0]!, text);
        var medications = input.Where(r => (string?)r["resourceType"] == "MedicationRequest" && (string?)r["status"] == "active")
            .Select(r => (string)r["medicationCodeableConcept"]!["text"]!).ToList();
        Assert.Equal(2, medications.Count);
        foreach (var medication in medications)
            Assert.True(format == "pdf" ? InOrder(Words(medication), Words(text)) : text.Contains(medication, StringComparison.Ordinal), $"'{medication}' not in: {text}");
    }

    [Fact]
    public async Task Html_download_escapes_clinical_text_and_runs_nothing()
    {
        await data.PutAsync(new System.Text.Json.Nodes.JsonObject { ["resourceType"] = "Patient", ["id"] = "download-markup" });
        await data.PutAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["resourceType"] = "AllergyIntolerance", ["id"] = "download-markup-a",
            ["patient"] = new System.Text.Json.Nodes.JsonObject { ["reference"] = "Patient/download-markup" },
            ["code"] = new System.Text.Json.Nodes.JsonObject { ["text"] = "<img src=x onerror=alert(1)>" },
        });
        var response = await data.Staff.GetAsync("Patient/download-markup/$summary?_download=html");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.DoesNotContain("<img", html);
        Assert.StartsWith("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Pdf_download_renders_an_over_long_word_cut_and_capped()
    {
        var word = string.Concat(Enumerable.Range(0, 4000).Select(i => $"w{i:D4}")); // no repeats: its end is told from its start
        Assert.Equal(20_000, word.Length);
        await data.PutAsync(new System.Text.Json.Nodes.JsonObject { ["resourceType"] = "Patient", ["id"] = "download-long-word" });
        await data.PutAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["resourceType"] = "Condition", ["id"] = "download-long-word-c",
            ["subject"] = new System.Text.Json.Nodes.JsonObject { ["reference"] = "Patient/download-long-word" },
            ["clinicalStatus"] = new System.Text.Json.Nodes.JsonObject
            {
                ["coding"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
                {
                    ["system"] = "http://terminology.hl7.org/CodeSystem/condition-clinical", ["code"] = "active",
                }),
            },
            ["code"] = new System.Text.Json.Nodes.JsonObject { ["text"] = word },
        });

        var response = await data.Staff.GetAsync("Patient/download-long-word/$summary?_download=pdf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = PdfText(await response.Content.ReadAsByteArrayAsync()).Replace(" ", "");
        Assert.Contains(word[..20], text); // the first line of the cut word
        Assert.Contains("w0398", text);
        Assert.DoesNotContain("w3999", text); // the cell was capped at 2,000 characters
    }

    /// <summary>The words of every page (PdfPig), so wrapped table cells compare as running text.</summary>
    private static string PdfText(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    private static string[] Words(string text) => text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Whether <paramref name="words"/> occur in <paramref name="text"/> in order: a PDF reader reads a table line by line,
    /// so a wrapped cell's lines come with the neighbouring cells' words between them.
    /// </summary>
    private static bool InOrder(string[] words, string[] text)
    {
        var at = 0;
        foreach (var word in text)
            if (at < words.Length && word == words[at]) at++;
        return at == words.Length;
    }
}
