using System.Text;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Summary;

/// <summary>
/// Generated narrative (R4 narrative.html, status generated): a table of <see cref="SummaryRow"/>s in the XHTML
/// subset FHIR allows. Every text is escaped, so clinical text can never become markup.
/// </summary>
public static class SummaryNarrative
{
    public static Narrative Table(IEnumerable<SummaryRow> rows, string? empty = null) => new()
    {
        Status = Narrative.NarrativeStatus.Generated,
        Div = $"<div xmlns=\"http://www.w3.org/1999/xhtml\">{TableHtml(rows, empty)}</div>",
    };

    /// <summary>The rows as an XHTML table (or a paragraph saying <paramref name="empty"/> when there are none).</summary>
    public static string TableHtml(IEnumerable<SummaryRow> rows, string? empty = null)
    {
        var list = rows.ToList();
        if (list.Count == 0) return $"<p>{Escape(empty ?? "Nothing recorded.")}</p>";
        var html = new StringBuilder("<table><thead><tr><th>Item</th><th>Date</th><th>Details</th></tr></thead><tbody>");
        foreach (var row in list)
            html.Append("<tr><td>").Append(Escape(row.Item)).Append("</td><td>").Append(Escape(row.When))
                .Append("</td><td>").Append(Escape(row.Details)).Append("</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Escapes text for XHTML content and attribute values.</summary>
    public static string Escape(string? text) =>
        (text ?? "").Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
