using FhirPortal.Core.Documents;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace FhirPortal.Core.Summary;

/// <summary>
/// The document as an A4 PDF (PDFsharp): a title, the patient's line, and per section a heading and a three-column
/// table whose cells wrap; pages break between rows. Fonts come from <see cref="PdfFonts"/>.
/// </summary>
public static class ReadablePdf
{
    private const double Margin = 40, LineHeight = 12, CellPadding = 4;
    private const int CellLimit = 2000;
    private static readonly double[] ColumnShares = [0.45, 0.2, 0.35];

    public static byte[] Render(ReadableDocument document)
    {
        PdfFonts.Require();
        using var pdf = new PdfDocument();
        pdf.Info.Title = document.Title;
        pdf.Info.Creator = "FhirPortal";
        var writer = new PageWriter(pdf);
        writer.Text(document.Title, new XFont(PdfFonts.Family, 16, XFontStyleEx.Bold), 22);
        writer.Text(string.Join(" · ", new[] { document.Patient.Item, document.Patient.When, document.Patient.Details }.Where(p => p.Length > 0)),
            new XFont(PdfFonts.Family, 10), 18);
        var heading = new XFont(PdfFonts.Family, 12, XFontStyleEx.Bold);
        var body = new XFont(PdfFonts.Family, 9);
        var bold = new XFont(PdfFonts.Family, 9, XFontStyleEx.Bold);
        foreach (var section in document.Sections)
        {
            writer.Space(8);
            writer.Text(section.Heading, heading, 18);
            if (section.Rows.Count == 0)
            {
                writer.Text("No information available.", body, LineHeight + 2);
                continue;
            }
            writer.Row(["Item", "Date", "Details"], bold);
            foreach (var row in section.Rows) writer.Row([row.Item, row.When, row.Details], body);
        }
        writer.Dispose();
        using var stream = new MemoryStream();
        pdf.Save(stream, false);
        return stream.ToArray();
    }

    /// <summary>Writes lines top to bottom, starting a new page when the next block does not fit.</summary>
    private sealed class PageWriter(PdfDocument pdf) : IDisposable
    {
        private XGraphics? _graphics;
        private PdfPage? _page;
        private double _y;

        private double Width => _page!.Width.Point - 2 * Margin;

        public void Space(double height) => _y += height;

        public void Text(string text, XFont font, double height)
        {
            Ensure(0);
            var lines = Wrap(text, font, Width);
            Ensure(lines.Count * height);
            foreach (var line in lines)
            {
                _graphics!.DrawString(line, font, XBrushes.Black, new XRect(Margin, _y, Width, height), XStringFormats.TopLeft);
                _y += height;
            }
        }

        public void Row(string[] cells, XFont font)
        {
            Ensure(0);
            var widths = ColumnShares.Select(s => s * Width).ToArray();
            var wrapped = cells.Select((c, i) => Wrap(Capped(c), font, widths[i] - 2 * CellPadding)).ToList();
            var height = wrapped.Max(w => w.Count) * LineHeight + 2 * CellPadding;
            Ensure(height);
            var x = Margin;
            for (var i = 0; i < cells.Length; i++)
            {
                _graphics!.DrawRectangle(XPens.Gray, x, _y, widths[i], height);
                for (var l = 0; l < wrapped[i].Count; l++)
                    _graphics.DrawString(wrapped[i][l], font, XBrushes.Black,
                        new XRect(x + CellPadding, _y + CellPadding + l * LineHeight, widths[i] - 2 * CellPadding, LineHeight), XStringFormats.TopLeft);
                x += widths[i];
            }
            _y += height;
        }

        /// <summary>A cell's text up to <see cref="CellLimit"/> characters: a readable summary needs no more, and a page of one word helps no one.</summary>
        private static string Capped(string text) => text.Length <= CellLimit ? text : text[..(CellLimit - 1)] + "…";

        /// <summary>Starts the first page, or a new one when <paramref name="height"/> does not fit on this one.</summary>
        private void Ensure(double height)
        {
            if (_page is not null && _y + height <= _page.Height.Point - Margin) return;
            _graphics?.Dispose();
            _page = pdf.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _graphics = XGraphics.FromPdfPage(_page);
            _y = Margin;
        }

        /// <summary>Greedy word wrap; a word longer than the width is cut.</summary>
        private List<string> Wrap(string text, XFont font, double width)
        {
            Ensure(0);
            var lines = new List<string>();
            var line = "";
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (_graphics!.MeasureString(candidate, font).Width <= width) { line = candidate; continue; }
                if (line.Length > 0) lines.Add(line);
                line = word;
                while (line.Length > 1 && _graphics.MeasureString(line, font).Width > width)
                {
                    var cut = Fitting(line, font, width);
                    lines.Add(line[..cut]);
                    line = line[cut..];
                }
            }
            lines.Add(line);
            return lines;
        }

        /// <summary>
        /// The longest prefix of <paramref name="word"/> (at least one character) that fits <paramref name="width"/>:
        /// a binary search, since measuring each shorter prefix in turn is quadratic per line.
        /// </summary>
        private int Fitting(string word, XFont font, double width)
        {
            int low = 1, high = word.Length - 1;
            while (low < high)
            {
                var middle = low + (high - low + 1) / 2;
                if (_graphics!.MeasureString(word[..middle], font).Width <= width) low = middle;
                else high = middle - 1;
            }
            return low;
        }

        public void Dispose() => _graphics?.Dispose();
    }
}
