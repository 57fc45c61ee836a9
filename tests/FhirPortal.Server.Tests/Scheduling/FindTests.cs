using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// Appointment/$find (IHE ITI-115): proposals from free future slots beyond the lead time and inside the planning
/// horizon, soonest first, in the location's time zone; every filter; paging; a patient's app finds only for its patient.
/// </summary>
public sealed class FindTests : IDisposable
{
    // 2030-03-05 15:00 UTC is 09:00 in Chicago (CST, -06:00; US daylight time starts on 10 March 2030).
    private static readonly DateTimeOffset Tomorrow = new(2030, 3, 5, 15, 0, 0, TimeSpan.Zero);
    private readonly SchedulingData _data = new();

    public void Dispose() => _data.Dispose();

    /// <summary>dr1 in Chicago (in-person, cardiology), dr2 in Boston (virtual, dermatology), 30-minute slots.</summary>
    private async Task SeedAsync()
    {
        var entries = new JsonArray
        {
            Put("Location", "chi", new JsonObject { ["extension"] = TimeZone("America/Chicago"), ["name"] = "Chicago" }),
            Put("Location", "bos", new JsonObject { ["extension"] = TimeZone("America/New_York"), ["name"] = "Boston" }),
            Put("Schedule", "dr1", new JsonObject
            {
                ["actor"] = new JsonArray(Ref("Practitioner/dr1"), Ref("Location/chi")),
                ["planningHorizon"] = new JsonObject { ["start"] = "2030-03-01T00:00:00Z", ["end"] = "2030-03-20T00:00:00Z" },
            }),
            Put("Schedule", "dr2", new JsonObject { ["actor"] = new JsonArray(Ref("Practitioner/dr2"), Ref("Location/bos")) }),
        };
        void Slot(string id, string schedule, DateTimeOffset start, string visit, string specialty) => entries.Add(Put("Slot", id, new JsonObject
        {
            ["schedule"] = Ref($"Schedule/{schedule}"),
            ["status"] = "free",
            ["start"] = start.ToString("yyyy-MM-ddTHH:mm:sszzz"),
            ["end"] = start.AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:sszzz"),
            ["serviceType"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://fhirportal.org/fhir/CodeSystem/visit-type", ["code"] = visit }) }),
            ["specialty"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://snomed.info/sct", ["code"] = specialty }) }),
        }));
        Slot("past", "dr1", SchedulingData.Now.AddHours(-1), "in-person", "394579002");
        Slot("soon", "dr1", SchedulingData.Now.AddHours(1), "in-person", "394579002");
        Slot("a", "dr1", Tomorrow, "in-person", "394579002");
        Slot("b", "dr1", Tomorrow.AddMinutes(30), "in-person", "394579002");
        Slot("c", "dr2", Tomorrow.AddMinutes(15), "virtual", "394582007");
        Slot("d", "dr2", Tomorrow.AddDays(1), "virtual", "394582007");
        Slot("late", "dr1", new DateTimeOffset(2030, 3, 25, 15, 0, 0, TimeSpan.Zero), "in-person", "394579002");
        var response = await _data.Staff.PostAsync("", Fhir.Body(new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<List<JsonObject>> FindAsync(string query, HttpClient? client = null)
    {
        var response = await (client ?? _data.Staff).GetAsync($"Appointment/$find?{query}");
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body["entry"]?.AsArray().Select(e => e!["resource"]!.AsObject()).ToList() ?? [];
    }

    private static string SlotOf(JsonObject appointment) => ((string)appointment["slot"]![0]!["reference"]!)["Slot/".Length..];

    [Fact]
    public async Task Find_proposes_free_slots_soonest_first_in_the_location_time_zone()
    {
        await SeedAsync();

        var found = await FindAsync("start=2030-03-05&end=2030-03-07&patient=p1");

        Assert.Equal(["a", "c", "b", "d"], found.Select(SlotOf));
        var first = found[0];
        Assert.Equal("proposed", (string?)first["status"]);
        Assert.Equal("2030-03-05T09:00:00-06:00", (string?)first["start"]);
        Assert.Equal("2030-03-05T09:30:00-06:00", (string?)first["end"]);
        Assert.Equal("2030-03-05T10:15:00-05:00", (string?)found[1]["start"]);
        Assert.Equal(["Patient/p1", "Practitioner/dr1", "Location/chi"], first["participant"]!.AsArray().Select(p => (string?)p!["actor"]!["reference"]));
    }

    [Fact]
    public async Task Find_leaves_out_past_lead_time_held_booked_and_beyond_horizon_slots_but_offers_a_lapsed_hold()
    {
        await SeedAsync();
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p1").PostAsync("Appointment/$hold", SchedulingData.WithResource(SchedulingData.Proposal("p1", "a"))));
        await SchedulingData.AppointmentOfAsync(await _data.PatientApp("p2").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p2", "c"))));

        Assert.Equal(["b", "d"], (await FindAsync("end=2030-04-01")).Select(SlotOf));

        _data.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(["a", "b", "d"], (await FindAsync("end=2030-04-01")).Select(SlotOf));
    }

    [Theory]
    [InlineData("practitioner=dr2", "c,d")]
    [InlineData("practitioner=Practitioner/dr1", "a,b")]
    [InlineData("practitioner=dr1,dr2", "a,c,b,d")]
    [InlineData("location=bos", "c,d")]
    [InlineData("location-reference=Location/bos", "c,d")] // IHE ITI-115's name; location is this server's earlier one
    [InlineData("location=chi&practitioner=dr2", "")]
    [InlineData("visit-type=virtual", "c,d")]
    [InlineData("visit-type=in-person", "a,b")]
    [InlineData("visit-type=http://fhirportal.org/fhir/CodeSystem/visit-type|virtual", "c,d")] // IHE's token form
    [InlineData("specialty=http://snomed.info/sct|394579002", "a,b")]
    [InlineData("service-type=http://fhirportal.org/fhir/CodeSystem/visit-type|virtual", "c,d")]
    [InlineData("visit-type=virtual&specialty=394579002", "")]
    [InlineData("start=2030-03-05T15:20:00Z", "b,d")]
    [InlineData("end=2030-03-05T15:20:00Z", "a,c")]
    public async Task Find_filters_combine(string filter, string expected)
    {
        await SeedAsync();
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), (await FindAsync($"end=2030-03-10&{filter}")).Select(SlotOf));
    }

    [Fact]
    public async Task Find_pages_with_next_links()
    {
        await SeedAsync();
        var seen = new List<string>();
        string? next = "Appointment/$find?end=2030-03-10&_count=3";
        while (next is not null)
        {
            var body = await (await _data.Staff.GetAsync(next)).ReadJsonAsync();
            seen.AddRange(body["entry"]?.AsArray().Select(e => SlotOf(e!["resource"]!.AsObject())) ?? []);
            next = body["link"]!.AsArray().FirstOrDefault(l => (string?)l!["relation"] == "next")?["url"]?.GetValue<string>();
        }
        Assert.Equal(["a", "c", "b", "d"], seen);
    }

    [Fact]
    public async Task A_patient_app_finds_only_for_its_own_patient()
    {
        await SeedAsync();
        var app = _data.PatientApp("p1");

        var own = await FindAsync("end=2030-03-10", app);
        Assert.All(own, a => Assert.Equal("Patient/p1", (string?)a["participant"]![0]!["actor"]!["reference"]));
        var other = await app.GetAsync("Appointment/$find?patient=p2");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        await SchedulingData.DiagnosticsAsync(other);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.GetAsync("Appointment/$find?patient-reference=Patient/p2")).StatusCode);
    }

    [Theory]
    [InlineData("visit-type=phone")]
    [InlineData("start=tomorrow")]
    [InlineData("practitioner=Patient/p1")]
    public async Task Bad_find_parameters_are_a_400(string query)
    {
        var response = await _data.Staff.GetAsync($"Appointment/$find?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await SchedulingData.DiagnosticsAsync(response);
    }

    private static JsonObject Ref(string reference) => new() { ["reference"] = reference };

    private static JsonArray TimeZone(string zone) =>
        new(new JsonObject { ["url"] = "http://hl7.org/fhir/StructureDefinition/timezone", ["valueCode"] = zone });

    private static JsonObject Put(string type, string id, JsonObject body)
    {
        body["resourceType"] = type;
        body["id"] = id;
        return new JsonObject { ["resource"] = body, ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{type}/{id}" } };
    }
}
