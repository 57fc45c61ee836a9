using System.Globalization;
using System.Net;
using System.Text;
using FhirPortal.Core;
using FhirPortal.Core.Billing;
using FhirPortal.Core.Summary;

namespace FhirPortal.Server.Billing;

/// <summary>Renders a <see cref="Statement"/> as a PDF or as a printable HTML page.</summary>
internal static class StatementDocuments
{
    /// <summary>
    /// The PDF through the server's one PDF writer (<see cref="ReadablePdf"/>): it wraps cells and breaks pages, so a
    /// long statement keeps its totals.
    /// </summary>
    public static byte[] Pdf(Statement s) => ReadablePdf.Render(new ReadableDocument(
        $"Statement {s.InvoiceId}",
        new SummaryRow(s.PatientName, "", s.GuarantorId is null ? "" : $"Guarantor ID {s.GuarantorId}"),
        [
            new ReadableSection("Statement", [.. Header(s).Select(h => new SummaryRow(h.Label, "", h.Value))]),
            new ReadableSection("Charges", [.. s.Lines.Select(l => new SummaryRow(l.Description, "", Money(l.Amount, s.Currency)))]),
            new ReadableSection("Totals",
            [
                new SummaryRow("Total", "", Money(s.Total, s.Currency)),
                new SummaryRow("Paid", "", Money(s.Paid, s.Currency)),
                new SummaryRow("Amount due", "", Money(s.Open, s.Currency)),
            ]),
        ]));

    public static string Html(Statement s)
    {
        static string E(string? v) => WebUtility.HtmlEncode(v ?? "");
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Statement {E(s.InvoiceId)}</title>")
            .Append("<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}td.amount,th.amount{text-align:right}table{width:100%;border-collapse:collapse}th,td{border-bottom:1px solid #999;padding:.3em}</style></head><body>")
            .Append("<h1>Statement</h1><dl>");
        foreach (var (label, value) in Header(s)) html.Append($"<dt>{E(label)}</dt><dd>{E(value)}</dd>");
        html.Append("</dl><table><thead><tr><th>Description</th><th class=\"amount\">Amount</th></tr></thead><tbody>");
        foreach (var item in s.Lines) html.Append($"<tr><td>{E(item.Description)}</td><td class=\"amount\">{E(Money(item.Amount, s.Currency))}</td></tr>");
        html.Append("</tbody><tfoot>")
            .Append($"<tr><th>Total</th><td class=\"amount\">{E(Money(s.Total, s.Currency))}</td></tr>")
            .Append($"<tr><th>Paid</th><td class=\"amount\">{E(Money(s.Paid, s.Currency))}</td></tr>")
            .Append($"<tr><th>Amount due</th><td class=\"amount\">{E(Money(s.Open, s.Currency))}</td></tr>")
            .Append("</tfoot></table></body></html>");
        return html.ToString();
    }

    private static IEnumerable<(string Label, string Value)> Header(Statement s)
    {
        yield return ("Patient", s.PatientName);
        if (s.GuarantorId is not null) yield return ("Guarantor ID", s.GuarantorId);
        yield return ("Statement number", s.InvoiceId);
        if (s.Date is not null) yield return ("Statement date", s.Date[..Math.Min(10, s.Date.Length)]);
        yield return ("Due by", s.Due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        yield return ("Status", s.Status);
    }

    private static string Money(decimal amount, string currency) => $"{amount.ToString("0.00", CultureInfo.InvariantCulture)} {currency}";
}
