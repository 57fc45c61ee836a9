using System.Globalization;
using FhirPortal.Core.Notifications;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Rest.Api.V2010.Account;

namespace FhirPortal.Server.Notifications;

/// <summary>
/// Notices by text message: through Twilio's SDK when <see cref="TwilioOptions"/> is set, else as files in
/// <c>{DataDirectory}/sms</c> (one per message: To, From, then the text), like mail without an SMTP host. The file sink
/// is a development stand-in: it counts as reaching people only in Development or with <c>FhirPortal:Notifications:Sms:FileSink</c>.
/// </summary>
internal sealed class SmsNoticeSender(IOptions<TwilioOptions> options, IConfiguration configuration, IHostEnvironment environment,
    TimeProvider clock, ILogger<SmsNoticeSender> logger) : INoticeSender, IDisposable
{
    public const string FileSinkSetting = "FhirPortal:Notifications:Sms:FileSink";

    private readonly Lazy<(TwilioRestClient Client, HttpClient Http)> _twilio = new(() => CreateClient(options.Value));

    public NoticeChannel Channel => NoticeChannel.Sms;

    public bool ReachesPeople => Reaches(options.Value.Configured, configuration.GetValue<bool?>(FileSinkSetting), environment.IsDevelopment());

    /// <summary>Twilio reaches people; the file sink only where the operator says files are read (by default Development).</summary>
    internal static bool Reaches(bool twilioConfigured, bool? fileSink, bool development) => twilioConfigured || (fileSink ?? development);

    public async Task SendAsync(OutgoingNotice notice, CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Configured)
        {
            await WriteFileAsync(notice, ct);
            return;
        }
        var create = new CreateMessageOptions(new Twilio.Types.PhoneNumber(notice.To))
        {
            From = new Twilio.Types.PhoneNumber(o.From),
            Body = notice.Text,
        };
        var message = await MessageResource.CreateAsync(create, _twilio.Value.Client);
        logger.LogInformation("Text {Sid} queued by Twilio ({Status})", message.Sid, message.Status);
    }

    private async Task WriteFileAsync(OutgoingNotice notice, CancellationToken ct)
    {
        var folder = Path.Combine(Path.GetFullPath(configuration["FhirPortal:DataDirectory"] ?? "./data"), "sms");
        Directory.CreateDirectory(folder);
        // Time-ordered names, as for mail: the newest file is the latest text.
        var path = Path.Combine(folder, $"{clock.GetUtcNow().ToString("yyyyMMddTHHmmssfffffff", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, $"To: {notice.To}\nFrom: {options.Value.From ?? "(not configured)"}\n\n{notice.Text}\n", ct);
        logger.LogInformation("Text to {To} written to {Path}", notice.To, path);
    }

    /// <summary>
    /// The SDK builds URLs on api.twilio.com; its <c>SystemNetHttpClient</c> takes our HttpClient, whose handler moves
    /// each request to <see cref="TwilioOptions.ApiBaseUrl"/> (path and query unchanged).
    /// </summary>
    private static (TwilioRestClient, HttpClient) CreateClient(TwilioOptions o)
    {
        var http = new HttpClient(new BaseUrlHandler(o.ApiBaseUrl) { InnerHandler = new HttpClientHandler() }) { Timeout = TimeSpan.FromSeconds(30) };
        var client = new TwilioRestClient(o.AccountSid, o.AuthToken, accountSid: o.AccountSid, httpClient: new Twilio.Http.SystemNetHttpClient(http));
        return (client, http);
    }

    public void Dispose()
    {
        if (_twilio.IsValueCreated) _twilio.Value.Http.Dispose();
    }

    private sealed class BaseUrlHandler(Uri baseUrl) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.RequestUri is { } uri)
                request.RequestUri = new UriBuilder(uri) { Scheme = baseUrl.Scheme, Host = baseUrl.Host, Port = baseUrl.Port }.Uri;
            return base.SendAsync(request, ct);
        }
    }
}
