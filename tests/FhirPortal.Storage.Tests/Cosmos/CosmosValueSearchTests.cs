using FhirPortal.Storage.Cosmos;
using FhirPortal.Storage.Tests.Contract;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>The value search contract on the Cosmos store against the emulator (a fresh container per test).</summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosValueSearchTests(CosmosEmulator emulator) : SearchValueContract
{
    protected override Task<IResourceStore> OpenAsync() =>
        Task.FromResult<IResourceStore>(new CosmosResourceStore(emulator.NewContainer()));
}
