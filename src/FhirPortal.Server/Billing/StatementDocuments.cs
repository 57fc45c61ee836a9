using System.Globalization;
using System.Net;
using System.Text;
using FhirPortal.Core;
using FhirPortal.Core.Billing;
using FhirPortal.Core.Documents;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace FhirPortal.Server.Billing;

/// <summary>Renders a <see cref="Statement"/> as a one-page PDF (PDFsharp) or as a printable HTML page.</summary>
internal static class StatementDocuments
{
    public static byte[] Pdf(Statement s)
    {
        PdfFonts.Require();
        var document = new PdfDocument();
        document.Info.Title = $"Statement {s.InvoiceId}";
        var page = document.AddPage();
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            var title = new XFont(PdfFonts.Family, 18, XFontStyleEx.Bold);
            var bold = new XFont(PdfFonts.Family, 11, XFontStyleEx.Bold);
            var text = new XFont(PdfFonts.Family, 11, XFontStyleEx.Regular);
            double y = 60, left = 50, right = page.Width.Point - 50;
            void Line(string label, XFont font, string? amount = null)
            {
                gfx.DrawString(label, font, XBrushes.Black, new XPoint(left, y));
                if (amount is not null) gfx.DrawString(amount, font, XBrushes.Black, new XRect(left, y - 11, right - left, 14), XStringFormats.TopRight);
                y += 18;
            }
            Line("Statement", title);
            y += 6;
            foreach (var (label, value) in Header(s)) Line($"{label}: {value}", text);
            y += 10;
            Line("Description", bold, "Amount");
            gfx.DrawLine(XPens.Black, left, y - 14, right, y - 14);
            foreach (var item in s.Lines) Line(item.Description, text, Money(item.Amount, s.Currency));
            gfx.DrawLine(XPens.Black, left, y - 14, right, y - 14);
            Line("Total", bold, Money(s.Total, s.Currency));
            Line("Paid", text, Money(s.Paid, s.Currency));
            Line("Amount due", bold, Money(s.Open, s.Currency));
        }
        using var output = new MemoryStream();
        document.Save(output, false);
        return output.ToArray();
    }

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
