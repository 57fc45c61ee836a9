using System.Net;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// Racing refill requests of one prescription give exactly one Task; every loser gets 409 naming it. Runs on SQLite,
/// and on Cosmos DB in test.sh's Cosmos pass (the Task's commit-time condition is checked inside the store's transaction).
/// </summary>
public sealed class RefillRaceTests : IDisposable
{
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Ten_racing_requests_give_exactly_one_refill_Task()
    {
        await _data.PrescribeAsync("rx1");
        var apps = Enumerable.Range(0, 10).Select(_ => _data.PatientApp("p1")).ToList();

        var responses = await Task.WhenAll(apps.Select(app => RefillData.RequestAsync(app, "rx1")));

        var created = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var task = await RefillData.CreatedAsync(created);
        foreach (var loser in responses.Where(r => r != created))
        {
            Assert.Equal(HttpStatusCode.Conflict, loser.StatusCode);
            Assert.EndsWith($"/fhir/Task/{task["id"]}", loser.Headers.Location!.ToString());
        }
        Assert.Single(await _data.TasksAsync("rx1"));
    }

    [Fact]
    public async Task Racing_plain_POSTs_of_refill_Tasks_give_exactly_one()
    {
        await _data.PrescribeAsync("rx1");

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _data.Staff.PostAsync("Task", Fhir.Body(RefillData.RefillTask("rx1")))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Single(await _data.TasksAsync("rx1"));
    }
}
