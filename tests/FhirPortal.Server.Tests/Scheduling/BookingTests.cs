using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>$hold and $book (IHE ITI-116/117): hold with expiry, book, reschedule, cancel, and what each does to the slots.</summary>
public sealed class BookingTests : IDisposable
{
    private static readonly DateTimeOffset Tomorrow9 = SchedulingData.Now.AddDays(1).AddHours(1);
    private readonly SchedulingData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Hold_makes_the_appointment_pending_and_the_slot_busy_tentative_until_it_lapses()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        var held = await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p1").PostAsync("Appointment/$hold", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));

        Assert.Equal("pending", (string?)held["status"]);
        Assert.Equal(Tomorrow9, DateTimeOffset.Parse((string)held["start"]!));
        Assert.Equal("busy-tentative", await _data.SlotStatusAsync("dr1-0"));
        // While held, nobody else gets the slot.
        var other = await _data.PatientApp("p2").PostAsync("Appointment/$hold", SchedulingData.WithResource(SchedulingData.Proposal("p2", "dr1-0")));
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Contains("taken", await SchedulingData.DiagnosticsAsync(other));

        // After the hold lifetime (10 min) the slot is free again without any sweeper: another patient may book it,
        // and the first hold can no longer be booked.
        _data.Clock.Advance(TimeSpan.FromMinutes(11));
        var booked = await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p2").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p2", "dr1-0"))));
        Assert.Equal("booked", (string?)booked["status"]);
        var late = await _data.PatientApp("p1").PostAsync("Appointment/$book", SchedulingData.WithReference((string)held["id"]!));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("busy", await _data.SlotStatusAsync("dr1-0"));
    }

    [Fact]
    public async Task Booking_a_held_appointment_makes_it_booked_and_the_slot_busy()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        var app = _data.PatientApp("p1");
        var held = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$hold", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));

        var booked = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithReference((string)held["id"]!)));

        Assert.Equal((string?)held["id"], (string?)booked["id"]);
        Assert.Equal("booked", (string?)booked["status"]);
        Assert.Null(booked["extension"]);
        Assert.Equal("busy", await _data.SlotStatusAsync("dr1-0"));
    }

    [Fact]
    public async Task Rescheduling_books_the_new_slot_and_frees_the_old_one()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9, Tomorrow9.AddHours(2));
        var app = _data.PatientApp("p1");
        var booked = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));

        booked["slot"] = new JsonArray(new JsonObject { ["reference"] = "Slot/dr1-1" });
        var moved = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(booked)));

        Assert.Equal((string?)booked["id"], (string?)moved["id"]);
        Assert.Equal(Tomorrow9.AddHours(2), DateTimeOffset.Parse((string)moved["start"]!));
        Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));
        Assert.Equal("busy", await _data.SlotStatusAsync("dr1-1"));
    }

    [Fact]
    public async Task A_reschedule_to_a_taken_slot_fails_and_keeps_the_original_booking()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9, Tomorrow9.AddHours(2));
        var mine = await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p1").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p2").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p2", "dr1-1"))));

        mine["slot"] = new JsonArray(new JsonObject { ["reference"] = "Slot/dr1-1" });
        var response = await _data.PatientApp("p1").PostAsync("Appointment/$book", SchedulingData.WithResource(mine));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("taken", await SchedulingData.DiagnosticsAsync(response));
        var stored = await _data.ReadAsync($"Appointment/{mine["id"]}");
        Assert.Equal("booked", (string?)stored["status"]);
        Assert.Equal("Slot/dr1-0", (string?)stored["slot"]![0]!["reference"]);
        Assert.Equal("1", (string?)stored["meta"]!["versionId"]);
        Assert.Equal("busy", await _data.SlotStatusAsync("dr1-0"));
    }

    [Fact]
    public async Task Cancelling_sets_the_reason_and_frees_the_slot()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9.AddDays(3));
        var app = _data.PatientApp("p1");
        var booked = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));

        booked["status"] = "cancelled";
        var cancelled = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(booked)));

        Assert.Equal("cancelled", (string?)cancelled["status"]);
        Assert.Equal("Cancelled by the patient", (string?)cancelled["cancelationReason"]!["text"]);
        Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));
        // The freed slot can be booked by someone else.
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p2").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p2", "dr1-0"))));
    }

    [Fact]
    public async Task Booking_rescheduling_and_cancelling_each_leave_an_AuditEvent_and_a_confirmation()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9.AddDays(3), Tomorrow9.AddDays(4));
        var app = _data.PatientApp("p1");
        var booked = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));
        booked["slot"] = new JsonArray(new JsonObject { ["reference"] = "Slot/dr1-1" });
        var moved = await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(booked)));
        moved["status"] = "cancelled";
        await SchedulingData.AppointmentOfAsync(await app.PostAsync("Appointment/$book", SchedulingData.WithResource(moved)));

        var audits = (await (await app.GetAsync("AuditEvent?_sort=_lastUpdated")).ReadJsonAsync())["entry"]!.AsArray().Select(e => e!["resource"]!).ToList();
        Assert.Equal(["booked", "rescheduled", "cancelled"], audits.Select(a => (string?)a["subtype"]![0]!["code"]));
        Assert.All(audits, a => Assert.Equal($"Appointment/{booked["id"]}", ((string?)a["entity"]![0]!["what"]!["reference"])?.Split("/_history")[0]));
        var messages = (await (await app.GetAsync("Communication?category=appointment&_sort=_lastUpdated")).ReadJsonAsync())["entry"]!.AsArray().Select(e => e!["resource"]!).ToList();
        Assert.Equal(3, messages.Count);
        Assert.All(messages, m => Assert.Equal("Patient/p1", (string?)m["recipient"]![0]!["reference"]));
        Assert.EndsWith("has been cancelled.", (string?)messages[2]["payload"]![0]!["contentString"]);
    }

    [Fact]
    public async Task A_patient_token_cannot_hold_or_book_for_another_patient()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        foreach (var operation in new[] { "$hold", "$book" })
        {
            var response = await _data.PatientApp("p1").PostAsync($"Appointment/{operation}", SchedulingData.WithResource(SchedulingData.Proposal("p2", "dr1-0")));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            await SchedulingData.DiagnosticsAsync(response);
        }
        Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));
    }

    [Theory]
    [InlineData("{\"resourceType\":\"Parameters\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"resourceType\":\"Patient\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"appointment-reference\",\"valueReference\":{\"reference\":\"Appointment/none\"}}]}", HttpStatusCode.NotFound)]
    [InlineData("{\"resourceType\":\"Appointment\",\"status\":\"proposed\",\"participant\":[{\"actor\":{\"reference\":\"Patient/p1\"},\"status\":\"accepted\"}]}", HttpStatusCode.BadRequest)]
    [InlineData("{\"resourceType\":\"Appointment\",\"status\":\"proposed\",\"slot\":[{\"reference\":\"Slot/none\"}],\"participant\":[{\"actor\":{\"reference\":\"Patient/p1\"},\"status\":\"accepted\"}]}", HttpStatusCode.UnprocessableEntity)]
    public async Task Bad_booking_requests_get_an_OperationOutcome(string body, HttpStatusCode expected)
    {
        var response = await _data.Staff.PostAsync("Appointment/$book", Fhir.Body(body));
        Assert.Equal(expected, response.StatusCode);
        await SchedulingData.DiagnosticsAsync(response);
    }
}
