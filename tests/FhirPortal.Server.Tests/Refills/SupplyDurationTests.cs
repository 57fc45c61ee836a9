using System.Net;
using FhirPortal.Core.Refills;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// A supply duration too long for the calendar (its end past year 9999, or past what a TimeSpan holds) is unusable: a
/// 422 saying so from <c>$request-refill</c>, and the automatic refills skip that prescription and go on with the rest.
/// </summary>
public sealed class SupplyDurationTests : IDisposable
{
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData(4_000_000, "d")] // ends past 9999-12-31
    [InlineData(1e8, "d")] // more days than a TimeSpan holds
    [InlineData(1e7, "a")]
    [InlineData(10_000_000, "wk")]
    public async Task An_overflowing_supply_duration_is_a_422_not_a_500(double supply, string unit)
    {
        await _data.PrescribeAsync("rx1", supply: supply, supplyUnit: unit, dispensedDaysAgo: [25]);

        var response = await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("supply duration is not usable", await RefillData.DiagnosticsAsync(response));
        Assert.Empty(await _data.TasksAsync("rx1"));
    }

    [Theory]
    [InlineData(4_000_000, "d")]
    [InlineData(1e8, "d")]
    public async Task The_automatic_refills_skip_an_overflowing_prescription_and_go_on(double supply, string unit)
    {
        await _data.PrescribeAsync("rx-broken", autoRefill: true, supply: supply, supplyUnit: unit, dispensedDaysAgo: [25]);
        await _data.PrescribeAsync("rx-due", autoRefill: true, dispensedDaysAgo: [25]);

        var requested = await _data.Host.Services.GetRequiredService<AutoRefills>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, requested);
        Assert.Single(await _data.TasksAsync("rx-due"));
        Assert.Empty(await _data.TasksAsync("rx-broken"));
    }
}
