using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Auth.Mail;

/// <summary>
/// The <c>FhirPortal:Auth:Mail</c> section. With no <see cref="SmtpHost"/>, mail is written as <c>.eml</c> files into
/// <see cref="PickupDirectory"/> (default <c>{data}/mail</c>) so codes can be read without a mail server.
/// </summary>
public sealed class MailOptions
{
    public const string Section = "FhirPortal:Auth:Mail";

    /// <summary>The sender, e.g. <c>FhirPortal &lt;no-reply@example.org&gt;</c>.</summary>
    [Required]
    public string From { get; set; } = "FhirPortal <no-reply@fhirportal.local>";

    public string? SmtpHost { get; set; }

    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 587;

    /// <summary><c>Auto</c>, <c>StartTls</c>, <c>SslOnConnect</c> or <c>None</c> (MailKit's SecureSocketOptions).</summary>
    public MailKit.Security.SecureSocketOptions SmtpSecurity { get; set; } = MailKit.Security.SecureSocketOptions.Auto;

    public string? SmtpUserName { get; set; }

    public string? SmtpPassword { get; set; }

    /// <summary>Where mail goes without SMTP; relative paths are under the data directory.</summary>
    public string PickupDirectory { get; set; } = "mail";
}
