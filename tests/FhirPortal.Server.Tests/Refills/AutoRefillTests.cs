using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Refills;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// Automatic refills on fake time: a prescription with the auto-refill extension gets its refill Task when the window
/// opens, once per fill, and never when the refill rules say no. The host's worker is off; each test runs passes by hand.
/// </summary>
public sealed class AutoRefillTests : IDisposable
{
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    private Task<int> PassAsync() => _data.Host.Services.GetRequiredService<AutoRefills>().RunOnceAsync(CancellationToken.None);

    [Fact]
    public async Task The_refill_is_requested_when_the_window_opens_and_only_once()
    {
        await _data.PrescribeAsync("rx1", autoRefill: true, dispensedDaysAgo: [10]);
        Assert.Equal(0, await PassAsync()); // 10 of 30 days

        _data.Messaging.Clock.Advance(TimeSpan.FromDays(13)); // 23 of 30 days: past three quarters
        Assert.Equal(1, await PassAsync());
        Assert.Equal(0, await PassAsync());

        var task = Assert.Single(await _data.TasksAsync("rx1"));
        Assert.Equal("requested", (string?)task["status"]);
        Assert.Equal("Organization/pharmacy", (string?)task["owner"]!["reference"]);
        Assert.Equal(RefillData.Now.AddDays(13), DateTimeOffset.Parse((string)task["authoredOn"]!));
    }

    [Fact]
    public async Task A_cancelled_automatic_request_is_not_made_again_for_the_same_fill()
    {
        await _data.PrescribeAsync("rx1", autoRefill: true, dispensedDaysAgo: [25]);
        Assert.Equal(1, await PassAsync());
        var task = (await _data.TasksAsync("rx1")).Single();
        task["status"] = "cancelled";
        Assert.Equal(HttpStatusCode.OK, (await _data.PatientApp("p1").PutAsync($"Task/{task["id"]}", Fhir.Body(task))).StatusCode);

        _data.Messaging.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await PassAsync());
        Assert.Single(await _data.TasksAsync("rx1"));
    }

    [Theory]
    [InlineData("active", 3, RefillData.PlainCode, false)] // not opted in
    [InlineData("stopped", 3, RefillData.PlainCode, true)]
    [InlineData("active", 3, RefillData.ControlledCode, true)]
    [InlineData("active", 0, RefillData.PlainCode, true)]
    public async Task No_request_when_not_opted_in_or_the_rules_say_no(string status, int repeats, string code, bool autoRefill)
    {
        await _data.PrescribeAsync("rx1", status: status, repeats: repeats, code: code, autoRefill: autoRefill, dispensedDaysAgo: [25]);

        Assert.Equal(0, await PassAsync());
        Assert.Empty(await _data.TasksAsync("rx1"));
    }

    [Fact]
    public async Task Opted_in_prescriptions_are_found_by_the_auto_refill_search_parameter()
    {
        await _data.PrescribeAsync("rx-auto", autoRefill: true);
        await _data.PrescribeAsync("rx-manual");

        var found = (await (await _data.Staff.GetAsync("MedicationRequest?auto-refill=true")).ReadJsonAsync())["entry"]!.AsArray();

        Assert.Equal("rx-auto", (string?)Assert.Single(found)!["resource"]!["id"]);
    }
}
