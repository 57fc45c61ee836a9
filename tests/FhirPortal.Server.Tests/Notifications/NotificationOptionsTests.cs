namespace FhirPortal.Server.Tests.Notifications;

/// <summary>The notification settings that go into every server-built notice are checked at start-up, with a message naming the setting.</summary>
public sealed class NotificationOptionsTests
{
    [Theory]
    [InlineData("OrganizationName", " ", "OrganizationName must name the organization")]
    [InlineData("SenderReference", "clinic", "SenderReference 'clinic' must be a relative reference")]
    [InlineData("SenderReference", "Observation/o1", "SenderReference 'Observation/o1'")]
    [InlineData("SenderReference", "https://clinic.example/fhir/Observation/o1", "SenderReference 'https://clinic.example/fhir/Observation/o1'")]
    [InlineData("SenderReference", "Organization/clinic/_history/", "SenderReference 'Organization/clinic/_history/'")]
    [InlineData("SenderReference", "ftp://clinic.example/Organization/clinic", "SenderReference 'ftp://clinic.example/Organization/clinic'")]
    [InlineData("DefaultTimeZone", "Mars/Olympus_Mons", "DefaultTimeZone 'Mars/Olympus_Mons' is not a known time zone")]
    public void The_server_does_not_start_with_a_notice_setting_that_would_make_notices_invalid(string setting, string value, string message)
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { [$"FhirPortal:Notifications:{setting}"] = value });
        var error = Assert.ThrowsAny<Exception>(() => host.CreateFhirClient());
        Assert.Contains($"FhirPortal:Notifications:{message}", error.ToString());
    }

    [Theory]
    [InlineData("SenderReference", "Organization/clinic")]
    [InlineData("SenderReference", "https://clinic.example/fhir/Organization/clinic")]
    [InlineData("SenderReference", "Organization/clinic/_history/2")]
    [InlineData("SenderReference", "http://clinic.example:8080/Practitioner/dr1/_history/7")]
    [InlineData("DefaultTimeZone", "America/Chicago")]
    public async Task The_server_starts_with_valid_notice_settings(string setting, string value)
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { [$"FhirPortal:Notifications:{setting}"] = value });
        Assert.Equal(System.Net.HttpStatusCode.OK, (await host.CreateFhirClient().GetAsync("metadata")).StatusCode);
    }
}
