using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Trends;

/// <summary>
/// Observation/$stats: statistics of a Synthea patient's weights and blood pressures computed here from the fixture
/// file, UCUM conversion between units, sampled data and patient-token confinement.
/// </summary>
public sealed class StatsTests(SyntheaPatientData data) : IClassFixture<SyntheaPatientData>
{
    private const string All = "count,min,max,mean,median,stddev,variance,sum,first,last";

    [SkippableTheory]
    [InlineData("coding=http://loinc.org|29463-7", "29463-7", null)]
    [InlineData("code=8480-6&system=http://loinc.org", "8480-6", "85354-9")]
    [InlineData("code=85354-9", "8462-4", "85354-9")]
    public async Task Stats_match_the_values_of_the_synthea_patient(string selection, string measured, string? panel)
    {
        data.RequireLoaded();
        var values = data.OfType("Observation")
            .SelectMany(o => panel is null
                ? Code(o) == measured ? [(Time(o), Value(o["valueQuantity"]!))] : Array.Empty<(DateTimeOffset, decimal)>()
                : Code(o) == panel ? o["component"]!.AsArray().Where(c => Code(c!) == measured).Select(c => (Time(o), Value(c!["valueQuantity"]!))) : [])
            .OrderBy(v => v.Item1).Select(v => v.Item2).ToList();
        Assert.True(values.Count >= 10);

        var statistic = Single(await StatsAsync(data.Staff, $"subject=Patient/{data.PatientId}&{selection}&statistic={All}"), measured);
        AssertStatistics(values, statistic);
    }

    [SkippableFact]
    public async Task Stats_duration_counts_only_recent_values()
    {
        data.RequireLoaded();
        var weights = data.OfType("Observation").Where(o => Code(o) == "29463-7").Select(Time).ToList();
        var days = (int)Math.Ceiling((DateTimeOffset.UtcNow - weights.Order().ElementAt(weights.Count / 2)).TotalDays);
        var expected = weights.Count(t => t >= DateTimeOffset.UtcNow.AddDays(-days));
        var statistic = Single(await StatsAsync(data.Staff, $"subject=Patient/{data.PatientId}&code=29463-7&duration={days}&statistic=count"), "29463-7");
        Assert.Equal(expected, (int)Component(statistic, "count")!["valueInteger"]!);
        Assert.InRange(expected, 1, weights.Count - 1);
    }

    [Fact]
    public async Task Stats_convert_convertible_units_and_keep_others_apart()
    {
        var patient = "trend-units";
        await data.PutAsync(new JsonObject { ["resourceType"] = "Patient", ["id"] = patient });
        await data.PutAsync(SyntheaPatientData.Weight("units-1", patient, "2021-01-01T08:00:00Z", 154.32358m, "[lb_av]"));
        await data.PutAsync(SyntheaPatientData.Weight("units-2", patient, "2021-02-01T08:00:00Z", 72000, "g"));
        await data.PutAsync(SyntheaPatientData.Weight("units-3", patient, "2021-03-01T08:00:00Z", 71, "kg"));
        await data.PutAsync(SyntheaPatientData.Quantity("glucose-1", patient, "2021-01-01T08:00:00Z", "2339-0", "Glucose", 90, "mg/dL"));
        await data.PutAsync(SyntheaPatientData.Quantity("glucose-2", patient, "2021-02-01T08:00:00Z", "2339-0", "Glucose", 1.1m, "g/L"));
        await data.PutAsync(SyntheaPatientData.Quantity("glucose-3", patient, "2021-03-01T08:00:00Z", "2339-0", "Glucose", 5.5m, "mmol/L"));

        var result = await StatsAsync(data.Staff, $"subject=Patient/{patient}&code=29463-7,2339-0&statistic=count,mean,min,first");
        var weight = Single(result, "29463-7");
        Assert.Equal("kg", (string?)Component(weight, "average")!["valueQuantity"]!["code"]);
        Assert.Equal(3, (int)Component(weight, "count")!["valueInteger"]!);
        Assert.Equal(70m, Math.Round((decimal)Component(weight, "first")!["valueQuantity"]!["value"]!, 4));
        Assert.Equal(71m, Math.Round((decimal)Component(weight, "average")!["valueQuantity"]!["value"]!, 4));

        // mg/dL and g/L convert; mmol/L needs a molar mass UCUM does not have: a series of its own.
        var glucose = Statistics(result).Where(s => Code(s) == "2339-0").ToList();
        Assert.Equal(2, glucose.Count);
        var mass = glucose.Single(s => (string?)Component(s, "average")!["valueQuantity"]!["code"] == "g/L");
        Assert.Equal(2, (int)Component(mass, "count")!["valueInteger"]!);
        Assert.Equal(0.9m, Math.Round((decimal)Component(mass, "minimum")!["valueQuantity"]!["value"]!, 4));
        var molar = glucose.Single(s => (string?)Component(s, "average")!["valueQuantity"]!["code"] == "mmol/L");
        Assert.Equal(1, (int)Component(molar, "count")!["valueInteger"]!);
    }

    [Fact]
    public async Task Stats_count_each_sample_of_sampled_data_per_dimension_within_the_period()
    {
        var patient = "trend-device";
        await data.PutAsync(new JsonObject { ["resourceType"] = "Patient", ["id"] = patient });
        await data.PutAsync(new JsonObject
        {
            ["resourceType"] = "Observation", ["id"] = "device-hr", ["status"] = "final",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "8867-4" }) },
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
            ["effectivePeriod"] = new JsonObject { ["start"] = "2022-05-01T10:00:00Z", ["end"] = "2022-05-01T10:00:04Z" },
            ["valueSampledData"] = new JsonObject
            {
                ["origin"] = new JsonObject { ["value"] = 10, ["unit"] = "/min", ["system"] = "http://unitsofmeasure.org", ["code"] = "/min" },
                // 2 dimensions, one step a second: (60, 70) (62, E) (64, 74) (66, 76) (68, 78); each value = 10 + 1 × x.
                ["period"] = 1000, ["factor"] = 1, ["dimensions"] = 2,
                ["data"] = "50 60 52 E 54 64 56 66 58 68",
            },
        });

        var all = Statistics(await StatsAsync(data.Staff, $"subject=Patient/{patient}&code=8867-4&statistic=count,sum,max,first,last")).ToList();
        Assert.Equal(2, all.Count);
        var first = all.Single(s => ((string?)s["code"]!["text"])?.Contains("dimension 1") == true);
        Assert.Equal(5, (int)Component(first, "count")!["valueInteger"]!);
        Assert.Equal(60m + 62 + 64 + 66 + 68, (decimal)Component(first, "sum")!["valueQuantity"]!["value"]!);
        var second = all.Single(s => ((string?)s["code"]!["text"])?.Contains("dimension 2") == true);
        Assert.Equal(4, (int)Component(second, "count")!["valueInteger"]!);
        Assert.Equal(78m, (decimal)Component(second, "last")!["valueQuantity"]!["value"]!);

        // The window keeps samples 1 to 3 (10:00:01 up to 10:00:04, exclusive).
        var window = Statistics(await StatsAsync(data.Staff, $"subject=Patient/{patient}&code=8867-4&period=2022-05-01T10:00:01Z/2022-05-01T10:00:03Z&statistic=count,first,last")).ToList();
        var windowed = window.Single(s => ((string?)s["code"]!["text"])?.Contains("dimension 1") == true);
        Assert.Equal(3, (int)Component(windowed, "count")!["valueInteger"]!);
        Assert.Equal(62m, (decimal)Component(windowed, "first")!["valueQuantity"]!["value"]!);
        Assert.Equal(66m, (decimal)Component(windowed, "last")!["valueQuantity"]!["value"]!);
    }

    [Theory]
    [InlineData("extreme-period", 1e15, 1, "1 2")]
    [InlineData("extreme-factor", 1000, 7e28, "1 2")]
    [InlineData("negative-period", -1e15, 1, "1 2")]
    public async Task Stats_skip_samples_whose_time_or_value_does_not_fit(string id, double period, double factor, string samples)
    {
        var patient = "trend-extreme-" + id;
        await data.PutAsync(new JsonObject { ["resourceType"] = "Patient", ["id"] = patient });
        await data.PutAsync(new JsonObject
        {
            ["resourceType"] = "Observation", ["id"] = id, ["status"] = "final",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "8867-4" }) },
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
            ["effectiveDateTime"] = "2022-05-01T10:00:00Z",
            ["valueSampledData"] = new JsonObject
            {
                ["origin"] = new JsonObject { ["value"] = 0 },
                ["period"] = (decimal)period, ["factor"] = (decimal)factor, ["dimensions"] = 1, ["data"] = samples,
            },
        });

        // The first sample fits (step 0, or 7e28 × 1); the second overflows a time or a decimal and is skipped.
        var statistic = Single(await StatsAsync(data.Staff, $"subject=Patient/{patient}&code=8867-4&statistic=count"), "8867-4");
        Assert.Equal(1, (int)Component(statistic, "count")!["valueInteger"]!);
    }

    [SkippableFact]
    public async Task Stats_for_a_patient_token_only_of_its_own_patient()
    {
        data.RequireLoaded();
        var app = data.PatientApp(SyntheaPatientData.Other);
        var other = await app.GetAsync($"Observation/$stats?subject=Patient/{data.PatientId}&code=29463-7&statistic=count");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        var own = Single(await StatsAsync(app, $"subject=Patient/{SyntheaPatientData.Other}&code=29463-7&statistic=count"), "29463-7");
        Assert.Equal(1, (int)Component(own, "count")!["valueInteger"]!);
    }

    [Theory]
    [InlineData("code=1&statistic=count")]
    [InlineData("subject=Patient/x&code=1")]
    [InlineData("subject=Patient/x&statistic=mode")]
    [InlineData("subject=Patient/x&statistic=count&duration=-1")]
    [InlineData("subject=Patient/x&statistic=count&duration=1&period=2020/2021")]
    [InlineData("subject=Patient/x&statistic=count&period=2021/2020")]
    [InlineData("subject=Patient/x&statistic=count&coding=nope")]
    [InlineData("subject=Patient/x&statistic=count&limit=3")]
    public async Task Stats_refuses_bad_parameters(string query)
    {
        var response = await data.Staff.GetAsync($"Observation/$stats?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    /// <summary>Each statistic recomputed here: sample standard deviation and variance (n − 1), median of the sorted values.</summary>
    private static void AssertStatistics(List<decimal> values, JsonObject statistic)
    {
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        var sorted = values.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        Assert.Equal(values.Count, (int)Component(statistic, "count")!["valueInteger"]!);
        var expected = new Dictionary<string, decimal>
        {
            ["minimum"] = values.Min(), ["maximum"] = values.Max(), ["average"] = mean, ["median"] = median,
            ["std-dev"] = (decimal)Math.Sqrt((double)variance), ["variance"] = variance, ["sum"] = values.Sum(),
            ["first"] = values[0], ["last"] = values[^1],
        };
        foreach (var (code, value) in expected)
        {
            var actual = (decimal)Component(statistic, code)!["valueQuantity"]!["value"]!;
            Assert.True(Math.Abs(actual - value) < 0.0001m, $"{code}: {actual} != {value}");
        }
    }

    private static async Task<JsonNode> StatsAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync($"Observation/$stats?{query}");
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal("Parameters", (string?)body["resourceType"]);
        return body;
    }

    private static IEnumerable<JsonObject> Statistics(JsonNode parameters) =>
        (parameters["parameter"]?.AsArray() ?? []).Where(p => (string?)p!["name"] == "statistic").Select(p => p!["resource"]!.AsObject());

    private static JsonObject Single(JsonNode parameters, string code) => Statistics(parameters).Single(s => Code(s) == code);

    private static JsonNode? Component(JsonObject statistic, string code) =>
        statistic["component"]!.AsArray().SingleOrDefault(c => (string?)c!["code"]!["coding"]![0]!["code"] == code);

    private static string Code(JsonNode resource) => (string)resource["code"]!["coding"]![0]!["code"]!;

    private static DateTimeOffset Time(JsonObject observation) => DateTimeOffset.Parse((string)observation["effectiveDateTime"]!, CultureInfo.InvariantCulture);

    private static decimal Value(JsonNode quantity) => (decimal)quantity["value"]!;
}
