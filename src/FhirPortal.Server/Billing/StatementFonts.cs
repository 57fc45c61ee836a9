using PdfSharp.Fonts;

namespace FhirPortal.Server.Billing;

/// <summary>
/// PDFsharp's core build finds no fonts on Linux by itself: this resolver gives every family a TrueType font the
/// machine has (DejaVu Sans or Liberation Sans in the usual folders, else the first *.ttf found), regular and bold.
/// </summary>
internal sealed class StatementFonts : IFontResolver
{
    private static readonly string[] Folders = ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", @"C:\Windows\Fonts"];
    private static readonly string[] Regular = ["DejaVuSans.ttf", "LiberationSans-Regular.ttf", "arial.ttf"];
    private static readonly string[] Bold = ["DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "arialbd.ttf"];
    private static readonly Lazy<StatementFonts> Shared = new(() => new StatementFonts());
    private static readonly object Gate = new();
    private readonly string? _regular = Find(Regular), _bold;

    private StatementFonts() => _bold = Find(Bold) ?? _regular;

    /// <summary>Whether a font was found: PDF statements need one.</summary>
    public bool Available => _regular is not null;

    /// <summary>Installs the resolver once for the process (PDFsharp's font settings are global).</summary>
    public static StatementFonts Install()
    {
        lock (Gate)
            if (GlobalFontSettings.FontResolver is not StatementFonts) GlobalFontSettings.FontResolver = Shared.Value;
        return Shared.Value;
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        _regular is null ? null : new FontResolverInfo(bold && _bold is not null ? "statement-bold" : "statement-regular");

    public byte[]? GetFont(string faceName) => faceName switch
    {
        "statement-bold" when _bold is not null => File.ReadAllBytes(_bold),
        "statement-regular" when _regular is not null => File.ReadAllBytes(_regular),
        _ => null,
    };

    private static string? Find(string[] names)
    {
        var files = Folders.Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*.ttf", SearchOption.AllDirectories)).ToList();
        return names.Select(n => files.FirstOrDefault(f => Path.GetFileName(f).Equals(n, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(f => f is not null)
               ?? files.OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault();
    }
}
