using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Runs $reindex jobs in the background and resumes unfinished ones after a restart.</summary>
public sealed class ReindexWorker(ReindexJobs jobs) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => jobs.RunAsync(stoppingToken);
}

/// <summary>Registers custom SearchParameters (profiles folder, then stored ones) before the server takes requests.</summary>
public sealed class SearchParameterLoader(
    CustomSearchParameters parameters, IResourceStore store, FhirParser parser,
    IOptions<FhirPortalOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        parameters.LoadAsync(options.Value.ResolvedProfilesDirectory, store, parser, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
