using System.Net;
using FhirPortal.Core.Validation;
using FhirPortal.Search;
using FhirPortal.Server.Tests.Sharing;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Search;

/// <summary>
/// An instance starting while another updates a ValueSet: its start-up load read version 1, its poll (already
/// running) applied version 2; the load's page, landing last, must not put version 1 back for good.
/// </summary>
public sealed class ConformanceLoadRaceTests
{
    private static string ValueSet(string code) => $$$"""
        {"resourceType":"ValueSet","id":"colours","url":"http://example.org/ValueSet/colours","status":"active",
         "compose":{"include":[{"system":"http://example.org/colours","concept":[{"code":"{{{code}}}"}]}]}}
        """;

    [Fact]
    public async Task A_stale_start_up_page_does_not_replace_the_version_the_poll_applied()
    {
        var a = new FhirPortalHost { KeepData = true };
        try
        {
            var ca = a.CreateFhirClient();
            Assert.Equal(HttpStatusCode.Created, (await ca.PutAsync("ValueSet/colours", Fhir.Body(ValueSet("red")))).StatusCode);

            var paged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var updated = false;
            var pollsAfterUpdate = 0;
            var polledTwice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var b = new FhirPortalHost(a.DataDirectory)
            {
                TestServices = services =>
                {
                    var original = services.Last(d => d.ServiceType == typeof(IResourceStore));
                    services.Remove(original);
                    services.AddSingleton<IResourceStore>(sp => HookedStore.Wrap((IResourceStore)original.ImplementationFactory!(sp), after: async (method, args) =>
                    {
                        if (method == nameof(IResourceStore.SearchAsync) && args[0] is SearchQuery q && q.ResourceType == "ValueSet" && paged.TrySetResult())
                            await release.Task; // the loader holds the page it read (version 1)
                        if (method == nameof(IResourceStore.HistoryAsync) && args[0] is HistoryQuery { Type: "ValueSet" } && Volatile.Read(ref updated)
                            && Interlocked.Increment(ref pollsAfterUpdate) == 2)
                            polledTwice.TrySetResult();
                    }));
                },
            };
            var starting = Task.Run(() => b.Services);
            await paged.Task.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(HttpStatusCode.OK, (await ca.PutAsync("ValueSet/colours", Fhir.Body(ValueSet("blue")))).StatusCode);
            Volatile.Write(ref updated, true);
            await polledTwice.Task.WaitAsync(TimeSpan.FromMinutes(1)); // B's poller has applied version 2
            release.SetResult();
            await starting;
            await Task.Delay(TimeSpan.FromSeconds(6)); // three more polls of B

            var stored = b.Services.GetRequiredService<ConformanceResources>().Stored("http://example.org/ValueSet/colours")!;
            Assert.Equal("2", stored.Meta?.VersionId);
        }
        finally
        {
            a.Dispose();
            FhirPortalHost.TryDelete(a.DataDirectory);
        }
    }
}
