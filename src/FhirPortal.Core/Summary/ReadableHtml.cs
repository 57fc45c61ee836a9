using System.Text;

namespace FhirPortal.Core.Summary;

/// <summary>A self-contained HTML page (no scripts, no external resources); every text escaped.</summary>
public static class ReadableHtml
{
    public static byte[] Render(ReadableDocument document)
    {
        var html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(SummaryNarrative.Escape(document.Title)).Append("</title><style>")
            .Append("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}")
            .Append("th,td{border:1px solid #999;padding:4px;text-align:left;vertical-align:top}")
            .Append("</style></head><body><h1>").Append(SummaryNarrative.Escape(document.Title)).Append("</h1><p>")
            .Append(SummaryNarrative.Escape(string.Join(" · ", new[] { document.Patient.Item, document.Patient.When, document.Patient.Details }.Where(p => p.Length > 0))))
            .Append("</p>");
        foreach (var section in document.Sections)
            html.Append("<h2>").Append(SummaryNarrative.Escape(section.Heading)).Append("</h2>")
                .Append(SummaryNarrative.TableHtml(section.Rows, "No information available."));
        return Encoding.UTF8.GetBytes(html.Append("</body></html>\n").ToString());
    }
}
