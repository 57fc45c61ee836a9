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
