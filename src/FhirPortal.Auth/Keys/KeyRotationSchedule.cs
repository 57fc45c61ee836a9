using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Server;

namespace FhirPortal.Auth.Keys;

/// <summary>
/// Makes OpenIddict re-read its keys while the server runs: the server options are rebuilt every quarter rotation
/// period, which runs <see cref="KeyRing.Load"/> again. So the next key is always published well before it signs,
/// expired keys drop out, and a server up for many periods never runs out of keys (KeysAndRestartTests proves that
/// tokens signed with a key made after start-up are accepted by the FHIR API too).
/// </summary>
public sealed class KeyRotationSchedule(IOptions<AuthOptions> options, TimeProvider clock) : IOptionsChangeTokenSource<OpenIddictServerOptions>
{
    public string? Name => Options.DefaultName;

    // Note: a new token per call; the options monitor asks again each time one fires.
    public IChangeToken GetChangeToken() =>
        new CancellationChangeToken(new CancellationTokenSource(options.Value.KeyRotationPeriod / 4, clock).Token);
}
