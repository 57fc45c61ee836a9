using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using FhirPortal.Core.Notifications;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Notifications;

/// <summary>A notice rendered through its kind's templates: the plain-text and the HTML body of the mail.</summary>
public sealed record RenderedNotice(string Text, string Html);

/// <summary>
/// The email templates, one pair per notice kind (<c>{culture}/{kind}.txt</c> and <c>{culture}/{kind}.html</c>) in
/// <see cref="NotificationOptions.TemplateDirectory"/>. Placeholders <c>{{organization}}</c>, <c>{{subject}}</c> and
/// <c>{{text}}</c> are filled in (HTML-escaped in the HTML). The culture falls back from <c>es-MX</c> to <c>es</c> to <c>en</c>.
/// </summary>
public sealed partial class NoticeTemplates(IOptions<NotificationOptions> options)
{
    private const string Fallback = "en";
    private readonly ConcurrentDictionary<(string Kind, string Culture), (string Text, string Html)> _cache = new();

    public RenderedNotice Render(OutgoingNotice notice)
    {
        var (text, html) = _cache.GetOrAdd((notice.Kind, notice.Culture ?? Fallback), key => Load(key.Kind, key.Culture));
        var organization = options.Value.OrganizationName;
        return new RenderedNotice(
            Fill(text, organization, notice.Subject, notice.Text, s => s),
            Fill(html, organization, notice.Subject, notice.Text, HtmlEncoder.Default.Encode));
    }

    private (string Text, string Html) Load(string kind, string culture)
    {
        var folder = options.Value.TemplateDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(AppContext.BaseDirectory, "Notifications", "Templates");
        // Only a plain kind name reaches the file system (no path tricks through a patient's language code).
        if (!NoticeKindNames.Contains(kind)) kind = NoticeKinds.Messages;
        foreach (var name in Cultures(culture))
        {
            var (text, html) = (Path.Combine(folder, name, $"{kind}.txt"), Path.Combine(folder, name, $"{kind}.html"));
            if (File.Exists(text) && File.Exists(html)) return (File.ReadAllText(text), File.ReadAllText(html));
        }
        throw new FileNotFoundException($"No notice template '{kind}' in {folder} (culture {culture}, fallback {Fallback}).");
    }

    private static readonly HashSet<string> NoticeKindNames = [NoticeKinds.Reminders, NoticeKinds.Results, NoticeKinds.Messages, NoticeKinds.Billing];

    /// <summary>The culture, its parents (<c>es-MX</c>, <c>es</c>), then the fallback; a value that is no language tag is ignored.</summary>
    private static IEnumerable<string> Cultures(string culture)
    {
        if (LanguageTag().IsMatch(culture))
            for (var tag = culture; tag.Length > 0; tag = tag.LastIndexOf('-') is var dash and > 0 ? tag[..dash] : "")
                yield return tag;
        yield return Fallback;
    }

    // BCP 47 shape only (letters, digits, dashes): nothing else reaches Path.Combine.
    [GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
    private static partial Regex LanguageTag();

    private static string Fill(string template, string organization, string subject, string text, Func<string, string> encode) =>
        template.Replace("{{organization}}", encode(organization), StringComparison.Ordinal)
            .Replace("{{subject}}", encode(subject), StringComparison.Ordinal)
            .Replace("{{text}}", encode(text), StringComparison.Ordinal);
}
