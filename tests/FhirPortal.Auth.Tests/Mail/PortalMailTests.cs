using FhirPortal.Auth.Mail;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace FhirPortal.Auth.Tests.Mail;

public sealed class PortalMailTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("fhirportal-mail-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Without_SMTP_mail_is_written_as_eml_files_in_the_data_directory()
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(
                new Dictionary<string, string?> { ["FhirPortal:DataDirectory"] = _data }).Build())
            .BuildServiceProvider();
        var mail = new PortalMail(Options.Create(new MailOptions()), services, NullLogger<PortalMail>.Instance);

        await mail.SendAsync("dana@example.org", "Your code", "Your code is 123456.");
        await mail.SendAsync("dana@example.org", "Second", "Later.");

        var files = Directory.GetFiles(Path.Combine(_data, "mail"), "*.eml").Order().ToArray();
        Assert.Equal(2, files.Length);
        var first = await MimeMessage.LoadAsync(files[0]);
        Assert.Equal("Your code", first.Subject);
        Assert.Equal("dana@example.org", first.To.Mailboxes.Single().Address);
        Assert.Contains("123456", first.TextBody);
        Assert.Equal("Second", (await MimeMessage.LoadAsync(files[1])).Subject);
    }
}
