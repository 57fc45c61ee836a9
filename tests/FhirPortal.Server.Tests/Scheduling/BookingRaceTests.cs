using System.Net;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// Racing bookings of one slot end in exactly one booking; every loser gets 409 saying the time was taken. Runs on
/// SQLite, and on Cosmos DB in test.sh's Cosmos pass (Slot and Appointments sit in different partitions there).
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
}
