using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>Decimals of any precision and range are stored, searched (by their closest System.Decimal) and returned as written.</summary>
public sealed class DecimalTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public DecimalTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private static string Observation(string id, string number) =>
        $$$"""{"resourceType":"Observation","id":"{{{id}}}","status":"final","code":{"text":"x"},"valueQuantity":{"value":{{{number}}},"system":"http://unitsofmeasure.org","code":"g","unit":"g"}}""";

    [Theory]
    [InlineData("1.5E3")]
    [InlineData("1E-30")]
    [InlineData("1.000000000000000000E245")]
    [InlineData("0.123456789012345678901234567890123")]
    public async Task A_decimal_comes_back_as_written_from_every_read(string number)
    {
        var created = await _client.PutAsync("Observation/d1", Fhir.Body(Observation("d1", number)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        foreach (var url in new[] { "Observation/d1", "Observation/d1/_history/1", "Observation/d1?_elements=value" })
            Assert.Equal(number, Value(await (await _client.GetAsync(url)).ReadJsonAsync()));
        var search = await (await _client.GetAsync("Observation?_id=d1")).ReadJsonAsync();
        Assert.Equal(number, Value(search["entry"]![0]!["resource"]!));

        var patched = await _client.PatchAsync("Observation/d1", Fhir.Body("""[{"op":"add","path":"/issued","value":"2024-01-01T00:00:00Z"}]""", "application/json-patch+json"));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(number, Value(await patched.ReadJsonAsync()));

        var xml = new HttpRequestMessage(HttpMethod.Get, "Observation/d1");
        xml.Headers.Accept.Clear();
        xml.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(xml)).StatusCode);
    }

    [Theory]
    [InlineData("1.5E3", "value-quantity=1500", true)]
    [InlineData("1.5E3", "value-quantity=1600", false)]
    [InlineData("1.000000000000000000E245", "value-quantity=gt1000000", true)]
    [InlineData("-1.000000000000000000E245", "value-quantity=lt-1000000", true)]
    public async Task A_decimal_is_found_by_its_closest_System_Decimal(string number, string query, bool found)
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Observation/d1", Fhir.Body(Observation("d1", number)))).StatusCode);

        var bundle = await (await _client.GetAsync($"Observation?{query}")).ReadJsonAsync();

        Assert.Equal(found ? 1 : 0, (bundle["entry"] as JsonArray)?.Count ?? 0);
    }

    private static string Value(JsonNode observation) => observation["valueQuantity"]!["value"]!.ToJsonString();
}
