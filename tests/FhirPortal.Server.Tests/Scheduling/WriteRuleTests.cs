using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// The scheduling rules hold in the write path itself: plain PUT/POST and transactions of Appointments obey them
/// like $book does (one booking per slot unless overbooked, no overlapping bookings of a patient, R4 status
/// transitions, the patient cancellation window).
/// </summary>
public sealed class WriteRuleTests : IDisposable
{
    private static readonly DateTimeOffset Tomorrow9 = SchedulingData.Now.AddDays(1).AddHours(1);
    private readonly SchedulingData _data = new();

    public void Dispose() => _data.Dispose();

    private static JsonObject Booked(string id, string patient, string slot, DateTimeOffset start)
    {
        var appointment = SchedulingData.Proposal(patient, slot);
        appointment["id"] = id;
        appointment["status"] = "booked";
        appointment["start"] = start.ToString("yyyy-MM-ddTHH:mm:sszzz");
        appointment["end"] = start.AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:sszzz");
        return appointment;
    }

    /// <summary>A transaction that PUTs each appointment under its id.</summary>
    private static JsonObject Transaction(params JsonObject[] appointments) => new()
    {
        ["resourceType"] = "Bundle", ["type"] = "transaction",
        ["entry"] = new JsonArray([.. appointments.Select(a => (JsonNode)new JsonObject
        {
            ["resource"] = a,
            ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"Appointment/{a["id"]}" },
        })]),
    };

    private Task<HttpResponseMessage> PutAsync(JsonObject appointment, HttpClient? client = null) =>
        (client ?? _data.Staff).PutAsync($"Appointment/{appointment["id"]}", Fhir.Body(appointment));

    [Fact]
    public async Task A_plain_PUT_cannot_book_a_slot_that_is_already_booked()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Booked("a1", "p1", "dr1-0", Tomorrow9))).StatusCode);
        Assert.Equal("busy", await _data.SlotStatusAsync("dr1-0"));

        var second = await PutAsync(Booked("a2", "p2", "dr1-0", Tomorrow9));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("taken", await SchedulingData.DiagnosticsAsync(second));
        Assert.Equal(HttpStatusCode.NotFound, (await _data.Staff.GetAsync("Appointment/a2")).StatusCode);
    }

    [Fact]
    public async Task An_overbooked_slot_takes_more_than_one_booking()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        var slot = await _data.ReadAsync("Slot/dr1-0");
        slot["overbooked"] = true;
        Assert.Equal(HttpStatusCode.OK, (await _data.Staff.PutAsync("Slot/dr1-0", Fhir.Body(slot))).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Booked("a1", "p1", "dr1-0", Tomorrow9))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Booked("a2", "p2", "dr1-0", Tomorrow9))).StatusCode);
    }

    [Fact]
    public async Task A_transaction_booking_one_slot_twice_fails_whole()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        var bundle = Transaction(Booked("a1", "p1", "dr1-0", Tomorrow9), Booked("a2", "p2", "dr1-0", Tomorrow9));

        var response = await _data.Staff.PostAsync("", Fhir.Body(bundle));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _data.Staff.GetAsync("Appointment/a1")).StatusCode);
        Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));
    }

    [Fact]
    public async Task A_transaction_booking_one_patient_into_two_overlapping_slots_fails_whole()
    {
        // The second booking's overlap check sees the first only as a staged version of the same unit.
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        await _data.SlotsAsync("dr2", "dr2", Tomorrow9.AddMinutes(15));
        var bundle = Transaction(Booked("a1", "p1", "dr1-0", Tomorrow9), Booked("a2", "p1", "dr2-0", Tomorrow9.AddMinutes(15)));

        var response = await _data.Staff.PostAsync("", Fhir.Body(bundle));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("already has an appointment", await SchedulingData.DiagnosticsAsync(response));
        Assert.Equal(HttpStatusCode.NotFound, (await _data.Staff.GetAsync("Appointment/a1")).StatusCode);
        Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));
        Assert.Equal("free", await _data.SlotStatusAsync("dr2-0"));
    }

    [Fact]
    public async Task A_transaction_booking_a_patient_it_creates_into_two_overlapping_slots_fails_whole()
    {
        // The patient is named by the transaction's urn:uuid: the rules must see the references as stored
        // (Patient/<new id>), not as the Bundle gave them (the rewritten references are put back before the commit).
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        await _data.SlotsAsync("dr2", "dr2", Tomorrow9.AddMinutes(15));
        const string fullUrl = "urn:uuid:5b4e1c2a-8f0d-4c1e-9a57-0d3f2b6c7e11";
        var (a1, a2) = (Booked("a1", "x", "dr1-0", Tomorrow9), Booked("a2", "x", "dr2-0", Tomorrow9.AddMinutes(15)));
        foreach (var a in new[] { a1, a2 }) a["participant"]![0]!["actor"]!["reference"] = fullUrl;
        var bundle = Transaction(a1, a2);
        bundle["entry"]!.AsArray().Insert(0, new JsonObject
        {
            ["fullUrl"] = fullUrl,
            ["resource"] = new JsonObject { ["resourceType"] = "Patient", ["name"] = new JsonArray(new JsonObject { ["family"] = "Newcomer" }) },
            ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Patient" },
        });

        var response = await _data.Staff.PostAsync("", Fhir.Body(bundle));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("already has an appointment", await SchedulingData.DiagnosticsAsync(response));
        Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));
    }

    [Fact]
    public async Task Overlapping_bookings_of_one_patient_are_refused()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        await _data.SlotsAsync("dr2", "dr2", Tomorrow9.AddMinutes(15));
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Booked("a1", "p1", "dr1-0", Tomorrow9))).StatusCode);

        var overlapping = await _data.PatientApp("p1").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr2-0")));

        Assert.Equal(HttpStatusCode.Conflict, overlapping.StatusCode);
        Assert.Contains("already has an appointment", await SchedulingData.DiagnosticsAsync(overlapping));
        Assert.Equal("free", await _data.SlotStatusAsync("dr2-0"));
        // Another patient may take that slot.
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p2").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p2", "dr2-0"))));
    }

    [Theory]
    [InlineData(30, "a2")] // back to back with a1: no overlap
    [InlineData(15, "a1")] // a1 itself moved by 15 minutes: overlapping its own old time is no clash
    public async Task A_booking_that_touches_or_replaces_the_patients_other_booking_is_not_an_overlap(int minutesLater, string id)
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        await _data.SlotsAsync("dr2", "dr2", Tomorrow9.AddMinutes(minutesLater));
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Booked("a1", "p1", "dr1-0", Tomorrow9))).StatusCode);

        var second = await PutAsync(Booked(id, "p1", "dr2-0", Tomorrow9.AddMinutes(minutesLater)));

        Assert.True(second.IsSuccessStatusCode, $"{(int)second.StatusCode}: {await second.Content.ReadAsStringAsync()}");
        Assert.Equal("busy", await _data.SlotStatusAsync("dr2-0"));
        Assert.Equal(id == "a1" ? "free" : "busy", await _data.SlotStatusAsync("dr1-0"));
    }

    [Theory]
    [InlineData("fulfilled", "booked")]
    [InlineData("noshow", "booked")]
    [InlineData("cancelled", "booked")]
    [InlineData("fulfilled", "pending")]
    public async Task A_final_appointment_cannot_be_booked_again(string final, string next)
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        var appointment = Booked("a1", "p1", "dr1-0", Tomorrow9);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(appointment)).StatusCode);
        appointment["status"] = final;
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(appointment)).StatusCode);
        Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));

        appointment["status"] = next;
        var response = await PutAsync(appointment);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains($"A {final} appointment cannot become {next}", await SchedulingData.DiagnosticsAsync(response));
    }

    [Fact]
    public async Task Deleting_a_booked_appointment_frees_its_slot()
    {
        await _data.SlotsAsync("dr1", "dr1", Tomorrow9);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Booked("a1", "p1", "dr1-0", Tomorrow9))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _data.Staff.DeleteAsync("Appointment/a1")).StatusCode);

        Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));
    }

    [Theory]
    [InlineData(true, 23, HttpStatusCode.UnprocessableEntity)]
    [InlineData(true, 25, HttpStatusCode.OK)]
    [InlineData(false, 23, HttpStatusCode.OK)]
    [InlineData(false, 3, HttpStatusCode.OK)]
    public async Task Patients_cannot_cancel_inside_the_cancellation_window_but_staff_can(bool patient, int hoursAhead, HttpStatusCode expected)
    {
        var start = SchedulingData.Now.AddHours(hoursAhead);
        await _data.SlotsAsync("dr1", "dr1", start);
        var appointment = Booked("a1", "p1", "dr1-0", start);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(appointment)).StatusCode);

        appointment["status"] = "cancelled";
        var client = patient ? _data.PatientApp("p1") : _data.Staff;
        var response = await client.PostAsync("Appointment/$book", SchedulingData.WithResource(appointment));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK) Assert.Equal("free", await _data.SlotStatusAsync("dr1-0"));
        else
        {
            Assert.Contains("call the clinic", await SchedulingData.DiagnosticsAsync(response));
            Assert.Equal("busy", await _data.SlotStatusAsync("dr1-0"));
        }
    }

    [Fact]
    public async Task A_patient_cannot_delete_a_booking_inside_the_cancellation_window_either()
    {
        var start = SchedulingData.Now.AddHours(5);
        await _data.SlotsAsync("dr1", "dr1", start);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(Booked("a1", "p1", "dr1-0", start))).StatusCode);

        var response = await _data.PatientApp("p1").DeleteAsync("Appointment/a1");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("call the clinic", await SchedulingData.DiagnosticsAsync(response));
        Assert.Equal("busy", await _data.SlotStatusAsync("dr1-0"));
    }
}
