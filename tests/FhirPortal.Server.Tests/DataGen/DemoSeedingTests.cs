using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.DataGen;

/// <summary>FhirPortal:Demo:Seed loads generated data into a store without patients, once.</summary>
public sealed class DemoSeedingTests
{
    private static Dictionary<string, string?> Settings(bool seed) =>
        ValidationHosts.Production(("FhirPortal:Demo:Seed", seed ? "true" : "false"), ("FhirPortal:Demo:Patients", "2"), ("FhirPortal:Demo:ResourcesPerPatient", "40"));

    [Fact]
    public async Task Demo_seed_fills_an_empty_store_and_a_second_start_adds_nothing()
    {
        string dataDirectory;
        int observations, total;
        using (var host = new FhirPortalHost(settings: Settings(seed: true)) { KeepData = true })
        {
            dataDirectory = host.DataDirectory;
            var client = host.CreateFhirClient();
            Assert.Equal(2, await GeneratedDataLoadTests.CountAsync(client, "Patient"));
            observations = await GeneratedDataLoadTests.CountAsync(client, "Observation?patient=demo-patient");
            Assert.True(observations > 0);
            Assert.True(await GeneratedDataLoadTests.CountAsync(client, "Appointment?patient=demo-patient&status=booked") > 0);
            Assert.True(await GeneratedDataLoadTests.CountAsync(client, "Communication?subject=Patient/demo-patient") > 0);
            total = await GeneratedDataLoadTests.CountAsync(client, "Observation");
        }
        try
        {
            using var again = new FhirPortalHost(dataDirectory, Settings(seed: true));
            var client = again.CreateFhirClient();
            Assert.Equal(2, await GeneratedDataLoadTests.CountAsync(client, "Patient"));
            Assert.Equal(total, await GeneratedDataLoadTests.CountAsync(client, "Observation"));
            Assert.Equal(observations, await GeneratedDataLoadTests.CountAsync(client, "Observation?patient=demo-patient"));
        }
        finally { FhirPortalHost.TryDelete(dataDirectory); }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Development_demo_accounts_start_with_profiles_required_and_own_the_demo_patient(bool seed)
    {
        var settings = Settings(seed);
        settings["FhirPortal:Auth:SeedDemo"] = "true";
        using var host = new FhirPortalHost(settings: settings);
        var client = host.CreateFhirClient();
        var patient = await (await client.GetAsync("Patient/demo-patient")).ReadJsonAsync();
        Assert.Equal("MR", (string)patient["identifier"]![0]!["type"]!["coding"]![0]!["code"]!);
        var observations = await GeneratedDataLoadTests.CountAsync(client, "Observation?patient=demo-patient");
        Assert.Equal(seed, observations > 0);
    }

    [Fact]
    public async Task Without_the_flag_an_empty_store_stays_empty()
    {
        using var host = new FhirPortalHost(settings: Settings(seed: false));
        var client = host.CreateFhirClient();
        Assert.Equal(0, await GeneratedDataLoadTests.CountAsync(client, "Patient"));
    }
}
