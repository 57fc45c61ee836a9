using System.Net;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// Racing bookings of one slot end in exactly one booking; every loser gets 409 saying the time was taken. Racing
/// holds of one slot give one hold, and racing bookings of one patient into different overlapping slots give one
/// booking. Runs on SQLite, and on Cosmos DB in test.sh's Cosmos pass (Slot and Appointments sit in different
/// partitions there).
/// </summary>
public sealed class BookingRaceTests : IDisposable
{
    private const int Clients = 50;
    private readonly SchedulingData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Fifty_clients_racing_for_one_slot_give_exactly_one_booking()
    {
        await _data.SlotsAsync("dr1", "dr1", SchedulingData.Now.AddDays(2));
        var apps = Enumerable.Range(0, Clients).Select(i => (Patient: $"p{i}", Client: _data.PatientApp($"p{i}"))).ToList();

        var responses = await Task.WhenAll(apps.Select(a =>
            a.Client.PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal(a.Patient, "dr1-0")))));

        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Single(winners);
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            Assert.Equal(HttpStatusCode.Conflict, loser.StatusCode);
            Assert.Contains("time was taken", await SchedulingData.DiagnosticsAsync(loser));
        }
        var booked = await SchedulingData.AppointmentOfAsync(winners[0]);
        Assert.Equal("busy", await _data.SlotStatusAsync("dr1-0"));
        var search = await (await _data.Staff.GetAsync("Appointment?slot=Slot/dr1-0&status=booked,pending")).ReadJsonAsync();
        Assert.Equal((string?)booked["id"], (string?)Assert.Single(search["entry"]!.AsArray())!["resource"]!["id"]);
    }

    [Fact]
    public async Task Racing_holds_of_one_slot_give_exactly_one_hold()
    {
        await _data.SlotsAsync("dr1", "dr1", SchedulingData.Now.AddDays(2));
        var apps = Enumerable.Range(0, 20).Select(i => (Patient: $"p{i}", Client: _data.PatientApp($"p{i}"))).ToList();

        var responses = await Task.WhenAll(apps.Select(a =>
            a.Client.PostAsync("Appointment/$hold", SchedulingData.WithResource(SchedulingData.Proposal(a.Patient, "dr1-0")))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal("busy-tentative", await _data.SlotStatusAsync("dr1-0"));
        var held = await (await _data.Staff.GetAsync("Appointment?slot=Slot/dr1-0&status=pending,booked")).ReadJsonAsync();
        Assert.Single(held["entry"]!.AsArray());
    }

    [Fact]
    public async Task Racing_bookings_of_one_patient_into_overlapping_slots_give_one_booking()
    {
        // Two practitioners' slots that overlap by 15 minutes; half the clients book one, half the other, all for p1.
        var start = SchedulingData.Now.AddDays(2);
        await _data.SlotsAsync("dr1", "dr1", start);
        await _data.SlotsAsync("dr2", "dr2", start.AddMinutes(15));
        var app = _data.PatientApp("p1");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            app.PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", i % 2 == 0 ? "dr1-0" : "dr2-0")))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var booked = await (await _data.Staff.GetAsync("Appointment?patient=Patient/p1&status=booked")).ReadJsonAsync();
        Assert.Single(booked["entry"]!.AsArray());
        Assert.Equal(["busy", "free"], new[] { await _data.SlotStatusAsync("dr1-0"), await _data.SlotStatusAsync("dr2-0") }.Order());
    }
}
