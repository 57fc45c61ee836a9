using System.Net;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>Every query parameter that takes a date refuses an impossible time-zone offset with 400, never 500.</summary>
public sealed class DateParameterTests(DateParameterTests.Server server) : IClassFixture<DateParameterTests.Server>
{
    /// <summary>One host for the whole table, holding the patient the instance-level URLs name.</summary>
    public sealed class Server : IAsyncLifetime
    {
        private readonly FhirPortalHost _host = new();
        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Client = _host.CreateFhirClient();
            var put = await Client.PutAsync("Patient/p1", Fhir.Body("""{"resourceType":"Patient","id":"p1"}"""));
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        public Task DisposeAsync()
        {
            _host.Dispose();
            return Task.CompletedTask;
        }
    }

    private readonly HttpClient _client = server.Client;

    public static TheoryData<string, string> Urls()
    {
        var data = new TheoryData<string, string>();
        foreach (var value in new[] { "2020-01-01T00:00:00%2B24:00", "2020-01-01T00:00:00-24:00", "2020-01-01T00:00:00%2B15:00", "2020-01-01T00:00:00%2B02:60", "2020-01-01T00:00:00%2B99:99" })
        {
            data.Add($"Patient?_lastUpdated=gt{value}", "_lastUpdated");
            data.Add($"Observation?date={value}", "date");
            data.Add($"?_type=Patient&_lastUpdated={value}", "_lastUpdated");
            data.Add($"Observation?code-value-date=http://loinc.org|1-0${value}", "code-value-date");
            data.Add($"_history?_since={value}", "_since");
            data.Add($"Patient/_history?_at={value}", "_at");
            data.Add($"Patient/p1/_history?_since={value}", "_since");
            data.Add($"Patient/p1/$everything?_since={value}", "_since");
            data.Add($"Patient/p1/$everything?start={value}", "start");
            data.Add($"Patient/$everything?end={value}", "end");
            data.Add($"$export?_since={value}", "_since");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Urls))]
    public async Task An_offset_beyond_14_hours_is_a_400_operation_outcome(string url, string parameter)
    {
        var response = await _client.SendAsync(HttpMethod.Get, url, null, ("Prefer", "respond-async"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        Assert.Contains(parameter, outcome.ToJsonString());
        // The server stays healthy.
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("metadata")).StatusCode);
    }

    [Theory]
    [InlineData("2020-01-01T00:00:00%2B14:00")]
    [InlineData("2020-01-01T00:00:00-14:00")]
    [InlineData("2020-01-01T00:00:00%2B05:30")]
    public async Task An_offset_within_the_fhir_range_is_accepted(string value)
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"Patient?_lastUpdated=gt{value}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"_history?_since={value}")).StatusCode);
    }
}
