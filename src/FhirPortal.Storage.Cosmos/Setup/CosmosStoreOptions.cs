using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Storage.Cosmos;

/// <summary>Where the Cosmos store lives (<c>FhirPortal:Storage:Cosmos</c>).</summary>
public sealed class CosmosStoreOptions
{
    /// <summary>Account endpoint, e.g. https://myaccount.documents.azure.com:443/ (http:// only for a local emulator).</summary>
    [Required] public string Endpoint { get; set; } = "";

    [Required] public string Key { get; set; } = "";

    [Required] public string Database { get; set; } = "fhirportal";

    [Required] public string Container { get; set; } = "resources";

    /// <summary>Emulators only: trust any TLS certificate. Off by default.</summary>
    public bool AcceptAnyServerCertificate { get; set; }

    /// <summary>
    /// How long a transaction may hold its locks before another writer or a restart may abort it (its owner is then
    /// presumed dead). Correctness never depends on it, only how soon an abandoned lock is released.
    /// </summary>
    public TimeSpan TransactionLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an aborted transaction's record is kept, and how long a create that never finished blocks its id.
    /// An owner never commits once half of it has passed since it started, so deleting the record later is safe
    /// unless that owner stalled for longer than <c>lease + retention / 2</c> between that check and its commit write.
    /// </summary>
    public TimeSpan TransactionRetention => TransactionLease * 10 + TimeSpan.FromMinutes(5);

    /// <summary>A local emulator (plain http or a loopback host): the SDK must not follow the account's regional endpoints.</summary>
    public bool IsEmulator =>
        AcceptAnyServerCertificate ||
        (Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.IsLoopback));
}
