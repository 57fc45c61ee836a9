namespace FhirPortal.Core.Summary;

/// <summary>A record for people to read (a summary or a whole record): a title, the patient's line, and sections of rows.</summary>
public sealed record ReadableDocument(string Title, SummaryRow Patient, IReadOnlyList<ReadableSection> Sections);

/// <summary>One heading and its rows.</summary>
public sealed record ReadableSection(string Heading, IReadOnlyList<SummaryRow> Rows);

/// <summary>
/// A download: the file name without extension, the extension, and for a rendered document its media type and bytes;
/// without <see cref="Content"/> the REST layer writes the FHIR Bundle itself as the file.
/// </summary>
public sealed record ReadableFile(string Name, string Extension, string? MediaType, byte[]? Content);

/// <summary>Renders a <see cref="ReadableDocument"/> as an HTML page or a PDF.</summary>
public static class ReadableRendering
{
    public static ReadableFile Render(string name, string format, ReadableDocument document) => format switch
    {
        "html" => new ReadableFile(name, "html", "text/html; charset=utf-8", ReadableHtml.Render(document)),
        "pdf" => new ReadableFile(name, "pdf", "application/pdf", ReadablePdf.Render(document)),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "pdf or html"),
    };
}
