using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Notifications;
using FhirPortal.Server.Notifications;
using Microsoft.Extensions.Options;
using MimeKit;

namespace FhirPortal.Server.Tests.Notifications;

/// <summary>
/// Notice mails are framed by their kind's templates (plain text and HTML) with the organization's name, the HTML
/// escaped, in the patient's language when a culture folder has it (else the parent culture, else <c>en</c>).
/// </summary>
public sealed class NoticeTemplateTests : IDisposable
{
    private const string Organization = "Springfield <Family> & Kids Clinic";
    private readonly string _folder = Directory.CreateTempSubdirectory("fhirportal-templates-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_result_mail_has_the_results_template_in_text_and_escaped_html()
    {
        using var data = new NotificationData(new Dictionary<string, string?> { ["FhirPortal:Notifications:OrganizationName"] = Organization });
        await data.PatientAsync("p1", ("email", "p1@example.org", null, null));
        var result = await data.Client.PutAsync("Observation/o1", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Observation", ["id"] = "o1", ["status"] = "final",
            ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "laboratory" }) }),
            ["code"] = new JsonObject { ["text"] = "Glucose" },
            ["subject"] = new JsonObject { ["reference"] = "Patient/p1" },
        }));
        Assert.Equal(HttpStatusCode.Created, result.StatusCode);

        Assert.Equal(1, await data.DispatchAsync());

        var mail = await MimeMessage.LoadAsync(Assert.Single(NotificationData.Files(data.MailFolder)));
        Assert.Equal("New test result", mail.Subject);
        Assert.StartsWith($"{Organization}\n\nA new test result is ready in your portal.\n\nSign in to your portal to see it.", mail.TextBody!.ReplaceLineEndings("\n"));
        Assert.Contains("<h1>Springfield &lt;Family&gt; &amp; Kids Clinic</h1>", mail.HtmlBody);
        Assert.Contains("<p>A new test result is ready in your portal.</p>", mail.HtmlBody);
        Assert.DoesNotContain(Organization, mail.HtmlBody);
    }

    [Theory]
    [InlineData("es", "es")]
    [InlineData("es-MX", "es")]
    [InlineData("fr", "en")]
    [InlineData(null, "en")]
    [InlineData("../../etc", "en")]
    public void The_patients_language_picks_the_culture_folder_else_its_parent_else_en(string? culture, string folder)
    {
        foreach (var name in new[] { "en", "es" })
        {
            Directory.CreateDirectory(Path.Combine(_folder, name));
            File.WriteAllText(Path.Combine(_folder, name, "billing.txt"), $"[{name}] {{{{organization}}}}: {{{{text}}}}");
            File.WriteAllText(Path.Combine(_folder, name, "billing.html"), $"<p lang=\"{name}\">{{{{subject}}}}: {{{{text}}}}</p>");
        }
        var templates = new NoticeTemplates(Options.Create(new NotificationOptions { OrganizationName = "Clinic", TemplateDirectory = _folder }));

        var rendered = templates.Render(new OutgoingNotice(NoticeChannel.Email, "p@example.org", "Statement <1>", "Ready & waiting", NoticeKinds.Billing, culture));

        Assert.Equal($"[{folder}] Clinic: Ready & waiting", rendered.Text);
        Assert.Equal($"<p lang=\"{folder}\">Statement &lt;1&gt;: Ready &amp; waiting</p>", rendered.Html);
    }

    [Theory]
    [InlineData(NoticeKinds.Reminders)]
    [InlineData(NoticeKinds.Results)]
    [InlineData(NoticeKinds.Messages)]
    [InlineData(NoticeKinds.Billing)]
    public void Every_kind_has_a_shipped_english_template_with_the_organization_and_the_text(string kind)
    {
        var templates = new NoticeTemplates(Options.Create(new NotificationOptions { OrganizationName = "Clinic" }));

        var rendered = templates.Render(new OutgoingNotice(NoticeChannel.Email, "p@example.org", "Subject", "The notice's text.", kind));

        Assert.StartsWith("Clinic\n\nThe notice's text.\n", rendered.Text.ReplaceLineEndings("\n"));
        Assert.Contains("<p>The notice&#x27;s text.</p>", rendered.Html);
        Assert.Contains("<h1>Clinic</h1>", rendered.Html);
    }
}
