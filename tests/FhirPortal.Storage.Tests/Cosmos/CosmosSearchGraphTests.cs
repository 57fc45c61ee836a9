using FhirPortal.Storage.Cosmos;
using FhirPortal.Storage.Tests.Contract;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>The reference-graph searches on the Cosmos store against the emulator (a fresh container per test).</summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosSearchGraphTests(CosmosEmulator emulator) : SearchGraphContract
{
    protected override Task<IResourceStore> OpenAsync() =>
        Task.FromResult<IResourceStore>(new CosmosResourceStore(emulator.NewContainer()));

    // Two ids per query: the long-list test then runs each chain, _has, record and include as several merged queries.
    protected override IDisposable? SmallIdChunks() => CosmosIdChunks.UseChunkSize(2);
}
