using System.Net;
using System.Text;

namespace FhirPortal.Server.Tests.Notifications;

/// <summary>Texts go through Twilio's .NET SDK when configured; the test points the SDK at a local fake of the API.</summary>
public sealed class TwilioSmsTests : IDisposable
{
    private const string Sid = "AC00000000000000000000000000000001";
    private const string Token = "test-auth-token";
    private readonly FakeTwilio _twilio = new();
    private readonly NotificationData _data;

    public TwilioSmsTests()
    {
        _data = new NotificationData(new Dictionary<string, string?>
        {
            ["FhirPortal:Notifications:Sms:Twilio:AccountSid"] = Sid,
            ["FhirPortal:Notifications:Sms:Twilio:AuthToken"] = Token,
            ["FhirPortal:Notifications:Sms:Twilio:From"] = "+15555550001",
            ["FhirPortal:Notifications:Sms:Twilio:ApiBaseUrl"] = _twilio.BaseUrl,
        });
    }

    public void Dispose()
    {
        _data.Dispose();
        _twilio.Dispose();
    }

    [Fact]
    public async Task A_text_is_one_Messages_POST_with_basic_auth_and_the_To_From_Body_form_fields()
    {
        await _data.PatientAsync("p1", ("sms", "+15555550100", 1, null));
        await _data.AppointmentAsync("a1", "p1", "booked", NotificationData.Start.AddDays(10));

        Assert.Equal(1, await _data.DispatchAsync());

        var request = Assert.Single(_twilio.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{Sid}/Messages.json", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sid}:{Token}")), request.Authorization);
        Assert.Equal("+15555550100", request.Form["To"]);
        Assert.Equal("+15555550001", request.Form["From"]);
        Assert.StartsWith("Your appointment on ", request.Form["Body"]);
        Assert.EndsWith("has been booked.", request.Form["Body"]);
        Assert.Equal("completed", (string?)Assert.Single(await _data.NoticesAsync())["status"]);
        Assert.Empty(NotificationData.Files(_data.SmsFolder));
    }

    [Theory]
    [InlineData(" Stop ", true, HttpStatusCode.OK, "EMAILWRIT")]
    [InlineData("STOP", false, HttpStatusCode.Forbidden, "SMSWRIT")] // a forged request changes nothing
    [InlineData("Thanks!", true, HttpStatusCode.OK, "SMSWRIT")]
    public async Task A_signed_STOP_reply_opts_the_number_out_of_texts(string body, bool signed, HttpStatusCode expected, string medium)
    {
        await _data.PatientAsync("p1", ("sms", "+15555550100", 1, null), ("email", "pat@example.org", 2, null));
        var form = new Dictionary<string, string> { ["From"] = "+15555550100", ["To"] = "+15555550001", ["Body"] = body, ["MessageSid"] = "SM1" };
        var url = "http://localhost/notifications/twilio/inbound";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", Signature(signed ? Token : "another-token", url, form));

        var response = await _data.Host.CreateClient().SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        await _data.AppointmentAsync("a1", "p1", "booked", NotificationData.Start.AddDays(10));
        Assert.Equal(medium, (string?)Assert.Single(await _data.NoticesAsync())["medium"]![0]!["coding"]![0]!["code"]);
    }

    /// <summary>Twilio's request signature: HMAC-SHA1 with the auth token over the URL and the form fields sorted by name.</summary>
    private static string Signature(string token, string url, Dictionary<string, string> form)
    {
        var data = url + string.Concat(form.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + f.Value));
        return Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(data)));
    }

    [Fact]
    public async Task A_Twilio_error_leaves_the_text_queued_for_a_retry()
    {
        _twilio.FailWith = HttpStatusCode.InternalServerError;
        await _data.PatientAsync("p1", ("sms", "+15555550100", 1, null));
        await _data.AppointmentAsync("a1", "p1", "booked", NotificationData.Start.AddDays(10));

        Assert.Equal(0, await _data.DispatchAsync());
        Assert.Equal("preparation", (string?)Assert.Single(await _data.NoticesAsync())["status"]);

        _twilio.FailWith = null;
        _data.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await _data.DispatchAsync());
        Assert.Equal(2, _twilio.Requests.Count);
    }
}
