using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// The records the booking rules build (the Slot's new status, the confirmation notice) skip validation only while
/// the conformance resources are those the server started with: once a profile of their type is written through the
/// API, a booking validates them like any write and answers as the new profile says.
/// </summary>
public sealed class TrustAfterProfileChangeTests : IDisposable
{
    private static readonly DateTimeOffset Tomorrow9 = SchedulingData.Now.AddDays(1).AddHours(1);
    // The production profiles/ and write policy, with Slots held to portal-slot as well.
    private readonly SchedulingData _data = new(ValidationHosts.Production(("FhirPortal:Validation:RequireProfiles", new ValidationOptions().RequireProfiles + ",Slot")));

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("portal-communication", "Communication.note", null, HttpStatusCode.UnprocessableEntity)]
    [InlineData("portal-communication", "Communication.topic", "Communication.recipient", HttpStatusCode.OK)]
    [InlineData("portal-slot", "Slot.comment", null, HttpStatusCode.UnprocessableEntity)]
    public async Task A_booking_after_a_stricter_profile_of_a_server_built_record_is_validated_against_it(string profile, string required, string? before, HttpStatusCode expected)
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9, Tomorrow9.AddHours(1));
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p1").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));

        var stricter = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ValidationHosts.ProfilesDirectory, $"StructureDefinition-{profile}.json")))!.AsObject();
        // A differential lists elements in the type's order: the new one goes before <before> (else last).
        var elements = stricter["differential"]!["element"]!.AsArray();
        var at = elements.Select(e => (string?)e!["id"]).ToList().IndexOf(before);
        elements.Insert(at < 0 ? elements.Count : at, new JsonObject { ["id"] = required, ["path"] = required, ["min"] = 1 });
        var put = await _data.Staff.PutAsync($"StructureDefinition/{profile}", Fhir.Body(stricter));
        Assert.True(put.StatusCode == HttpStatusCode.OK, $"{(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");

        var response = await _data.PatientApp("p2").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p2", "dr1-1")));
        var body = await response.ReadJsonAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {body.ToJsonString()}");
        if (expected == HttpStatusCode.OK) return;
        Assert.Contains(body["issue"]!.AsArray(), i => i!["expression"]?.AsArray().Any(e => ((string?)e)?.StartsWith(required) == true) == true);
        // Nothing of the refused booking was stored.
        Assert.Equal("free", await _data.SlotStatusAsync("dr1-1"));
    }
}
