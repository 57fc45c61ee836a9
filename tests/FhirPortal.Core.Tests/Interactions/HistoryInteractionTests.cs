using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>history (HistoryInteraction) of what the write interactions stored.</summary>
public sealed class HistoryInteractionTests : IDisposable
{
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    private Task<BundleResult> HistoryAsync(string? type, string? id, params (string, string)[] parameters) =>
        _core.History.ExecuteAsync(CoreServices.BaseUrl, type, id, parameters.Select(p => KeyValuePair.Create(p.Item1, p.Item2)).ToList(), default);

    [Fact]
    public async Task Instance_history_lists_every_version_newest_first_with_its_method()
    {
        var key = new ResourceKey("Patient", "p1");
        await _core.SeedAsync(CoreServices.Patient("p1", "A"));
        await _core.SeedAsync(CoreServices.Patient("p1", "B"));
        await _core.Delete.DeleteAsync(key, null, default);

        var history = await HistoryAsync("Patient", "p1");

        Assert.Equal(Bundle.BundleType.History, history.Type);
        Assert.Equal(
            [(3, Bundle.HTTPVerb.DELETE), (2, Bundle.HTTPVerb.PUT), (1, Bundle.HTTPVerb.POST)],
            history.Entries.Select(e => (e.Resource!.VersionId, e.RequestMethod!.Value)));
    }

    [Fact]
    public async Task Type_history_spans_resources_and_since_leaves_out_older_versions()
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        await _core.SeedAsync(new Observation { Id = "o1", Status = ObservationStatus.Final, Code = new CodeableConcept { Text = "x" } });
        await Task.Delay(5);
        var since = DateTimeOffset.UtcNow;
        await Task.Delay(5);
        await _core.SeedAsync(CoreServices.Patient("p2"));

        var all = await HistoryAsync("Patient", null);
        var recent = await HistoryAsync("Patient", null, ("_since", since.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(["p2", "p1"], all.Entries.Select(e => e.Resource!.Key.Id));
        Assert.Equal(["p2"], recent.Entries.Select(e => e.Resource!.Key.Id));
    }

    [Fact]
    public async Task History_of_an_unknown_resource_is_404()
    {
        Assert.Equal(404, (await Assert.ThrowsAsync<FhirOutcomeException>(() => HistoryAsync("Patient", "missing"))).Status);
    }
}
