using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// The records the booking rules write on the server's behalf (a Slot's status, the AuditEvent, the confirmation
/// notice) are stored without validation (<c>UnitOfWork.StageTrustedForRule</c>), so each kind, as actually stored
/// after a hold, a booking, a reschedule and a cancellation, must pass <c>$validate</c> against its profile.
/// </summary>
public sealed class ServerRecordValidityTests : IDisposable
{
    private const string Portal = "http://fhirportal.org/fhir/StructureDefinition/";
    private static readonly DateTimeOffset Tomorrow9 = SchedulingData.Now.AddDays(1).AddHours(1);
    // profiles/ of this checkout and the production write policy (Appointments and Communications must meet their profiles).
    private readonly SchedulingData _data = new(new Dictionary<string, string?>
    {
        ["FhirPortal:ProfilesDirectory"] = ValidationHosts.ProfilesDirectory,
        ["FhirPortal:Validation:RequireProfiles"] = null,
    });

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Slots_audit_events_and_confirmations_written_by_the_booking_rules_are_valid()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9, Tomorrow9.AddHours(1), Tomorrow9.AddHours(2), Tomorrow9.AddHours(3));
        var app = _data.PatientApp("p1");
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p2").PostAsync("Appointment/$hold", SchedulingData.WithResource(SchedulingData.Proposal("p2", "dr1-3"))));
        var booked = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));
        booked["slot"] = new JsonArray(new JsonObject { ["reference"] = "Slot/dr1-1" });
        var moved = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(booked)));
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p3").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p3", "dr1-2"))));
        moved["status"] = "cancelled";
        await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(moved)));

        var slots = await AllAsync("Slot");
        Assert.Equal(["busy", "busy-tentative", "free"], slots.Select(s => (string)s["status"]!).Distinct().Order());
        // Each patient sees the audit trail of their own appointments: p1 booked, moved and cancelled; p3 booked.
        var audits = (await AllAsync("AuditEvent", app)).Concat(await AllAsync("AuditEvent", _data.PatientApp("p3"))).ToList();
        Assert.Equal(4, audits.Count);
        var notices = await AllAsync("Communication?category=appointment");
        Assert.Equal(4, notices.Count);
        foreach (var (type, resources, profile) in new[] { ("Slot", slots, Portal + "portal-slot"), ("AuditEvent", audits, null), ("Communication", notices, Portal + "portal-communication") })
            foreach (var resource in resources)
                Assert.Empty(await ErrorsAsync(type, resource, profile));
    }

    [Fact]
    public async Task A_stored_confirmation_broken_by_hand_fails_the_same_check()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p1").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));
        var notice = Assert.Single(await AllAsync("Communication?category=appointment"));
        notice.Remove("payload");

        Assert.Contains(await ErrorsAsync("Communication", notice, Portal + "portal-communication"), e => e.Contains("Communication.payload"));
    }

    private async Task<List<JsonObject>> AllAsync(string search, HttpClient? client = null)
    {
        var bundle = await (await (client ?? _data.Staff).GetAsync(search + (search.Contains('?') ? "&" : "?") + "_count=100")).ReadJsonAsync();
        return [.. (bundle["entry"]?.AsArray() ?? []).Select(e => e!["resource"]!.AsObject())];
    }

    private async Task<List<string>> ErrorsAsync(string type, JsonObject resource, string? profile)
    {
        var response = await _data.Staff.PostAsync($"{type}/$validate" + (profile is null ? "" : $"?profile={Uri.EscapeDataString(profile)}"), Fhir.Body(resource));
        var outcome = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. outcome["issue"]!.AsArray()
            .Where(i => (string?)i!["severity"] is "error" or "fatal")
            .Select(i => $"{resource["resourceType"]}/{resource["id"]} {i!["expression"]?[0]}: {i["diagnostics"]}")];
    }
}
