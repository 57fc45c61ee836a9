using FhirPortal.Storage.Cosmos;
using FhirPortal.Storage.Tests.Contract;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>The date range contract on the Cosmos store against the emulator (a fresh container per test).</summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosDateRangeTests(CosmosEmulator emulator) : DateRangeContract
{
    protected override Task<IResourceStore> OpenAsync() =>
        Task.FromResult<IResourceStore>(new CosmosResourceStore(emulator.NewContainer()));
}
