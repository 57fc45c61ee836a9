using PdfSharp.Fonts;

namespace FhirPortal.Core.Documents;

/// <summary>
/// PDFsharp finds no fonts by itself outside Windows: this resolver serves one sans-serif family (regular and bold)
/// from the first TrueType pair found in the usual font folders (DejaVu Sans, Liberation Sans, Arial). Without one,
/// a PDF request is refused with 501 and the hint to install fonts-dejavu-core. PDFsharp's font resolver is global
/// to the process, so every PDF the server makes (summaries, records, billing statements) goes through this one.
/// </summary>
public sealed class PdfFonts : IFontResolver
{
    public const string Family = "FhirPortal Sans";

    private static readonly string[][] Candidates =
    [
        ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"],
        ["LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"],
        ["arial.ttf", "arialbd.ttf"],
    ];

    private static readonly Lazy<(string Regular, string Bold)?> Files = new(Find);
    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>Installs the resolver once; 501 when no font was found.</summary>
    public static void Require()
    {
        if (Files.Value is null)
            throw FhirOutcomeException.Single(501, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported,
                "PDF output needs a TrueType font on the server (DejaVu Sans or Liberation Sans, e.g. the Debian package fonts-dejavu-core).");
        lock (Gate)
        {
            if (_installed) return;
            GlobalFontSettings.FontResolver ??= new PdfFonts();
            _installed = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "bold" : "regular");

    public byte[]? GetFont(string faceName) =>
        Files.Value is { } files ? File.ReadAllBytes(faceName == "bold" ? files.Bold : files.Regular) : null;

    private static (string, string)? Find()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string[] folders = ["/usr/share/fonts", "/usr/local/share/fonts", Path.Combine(home, ".fonts"), Path.Combine(home, ".local/share/fonts"),
            Environment.GetFolderPath(Environment.SpecialFolder.Fonts), "/System/Library/Fonts", "/Library/Fonts"];
        var files = folders.Where(f => f.Length > 0 && Directory.Exists(f))
            .SelectMany(f => Directory.EnumerateFiles(f, "*.ttf", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key!, g => g.First(), StringComparer.OrdinalIgnoreCase);
        foreach (var pair in Candidates)
            if (files.TryGetValue(pair[0], out var regular) && files.TryGetValue(pair[1], out var bold)) return (regular, bold);
        return null;
    }
}
