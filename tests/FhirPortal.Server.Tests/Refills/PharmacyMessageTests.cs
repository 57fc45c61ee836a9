using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Messaging;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// A patient may write to the pharmacy that owns their refill request, in a message about that Task; the pharmacy is
/// still outside the care team for any other message.
/// </summary>
public sealed class PharmacyMessageTests : IDisposable
{
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    private static JsonObject About(JsonObject message, string reference)
    {
        message["about"] = new JsonArray(new JsonObject { ["reference"] = reference });
        return message;
    }

    [Fact]
    public async Task A_message_about_the_refill_Task_may_go_to_the_pharmacy_that_owns_it()
    {
        await _data.Messaging.SeedAsync();
        await _data.PrescribeAsync("rx1");
        var patient = _data.PatientApp("p1");
        var task = await RefillData.CreatedAsync(await RefillData.RequestAsync(patient, "rx1"));

        var sent = await MessagingData.SendAsync(patient, About(MessagingData.Message("p1", "Patient/p1", "Organization/pharmacy"), $"Task/{task["id"]}"));

        Assert.Equal("Organization/pharmacy", (string?)sent["recipient"]![0]!["reference"]);
        var inbox = await (await _data.Staff.GetAsync($"Task?focus=Communication/{sent["id"]}")).ReadJsonAsync();
        Assert.Equal("Organization/pharmacy", (string?)inbox["entry"]![0]!["resource"]!["owner"]!["reference"]);
    }

    [Theory]
    [InlineData(null)] // about nothing
    [InlineData("own-other-owner")] // about a Task the pharmacy does not own
    [InlineData("other-patient")] // about another patient's Task
    public async Task The_pharmacy_is_no_recipient_otherwise(string? about)
    {
        await _data.Messaging.SeedAsync();
        await _data.PrescribeAsync("rx1", pharmacy: false);
        await _data.PrescribeAsync("rx2", patient: "p2");
        var own = await RefillData.CreatedAsync(await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1")); // owned by dr1
        var others = await RefillData.CreatedAsync(await RefillData.RequestAsync(_data.PatientApp("p2"), "rx2")); // the pharmacy's
        var message = MessagingData.Message("p1", "Patient/p1", "Organization/pharmacy");
        if (about is not null) About(message, $"Task/{(about == "other-patient" ? others : own)["id"]}");

        var response = await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(message));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Organization/pharmacy", await RefillData.DiagnosticsAsync(response));
    }
}
