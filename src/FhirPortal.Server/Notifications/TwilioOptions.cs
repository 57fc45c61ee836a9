namespace FhirPortal.Server.Notifications;

/// <summary>
/// Twilio settings (<c>FhirPortal:Notifications:Sms:Twilio</c>). With AccountSid, AuthToken and From set, texts go
/// through Twilio's REST API; otherwise they are written as files into <c>{DataDirectory}/sms</c>.
/// </summary>
public sealed class TwilioOptions
{
    public const string Section = "FhirPortal:Notifications:Sms:Twilio";

    public string? AccountSid { get; set; }

    public string? AuthToken { get; set; }

    /// <summary>The sending number (E.164) or messaging service's number.</summary>
    public string? From { get; set; }

    /// <summary>Where the API lives; only changed to point the SDK at a stand-in (tests, a proxy).</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://api.twilio.com");

    public bool Configured => !string.IsNullOrEmpty(AccountSid) && !string.IsNullOrEmpty(AuthToken) && !string.IsNullOrEmpty(From);
}
