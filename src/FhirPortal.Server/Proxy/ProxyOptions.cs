using System.ComponentModel.DataAnnotations;
using System.Net;

namespace FhirPortal.Server.Proxy;

/// <summary>
/// The <c>FhirPortal:Proxy</c> section: which TLS-terminating proxies or load balancers may tell the server, through
/// X-Forwarded-For/-Proto/-Host, the client's address and the scheme and host it used.
/// </summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "FhirPortal:Proxy";

    /// <summary>Proxy addresses (<c>10.0.0.5</c>, <c>::1</c>). With neither list set, only loopback is trusted.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation (<c>10.0.0.0/24</c>). Set lists replace the loopback default.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>
    /// Hosts a trusted proxy may name in X-Forwarded-Host (<c>portal.example.org</c>, <c>*.example.org</c>). Empty: any,
    /// which is right only when the proxy sets the header itself rather than passing on the client's.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Every entry must parse; start-up stops naming each one that does not.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        KnownProxies.Where(p => !IPAddress.TryParse(p, out _))
            .Select(p => new ValidationResult($"'{p}' is not an IP address.", [nameof(KnownProxies)]))
            .Concat(KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _))
                .Select(n => new ValidationResult($"'{n}' is not a network in CIDR notation (address/prefix, host bits zero).", [nameof(KnownNetworks)])));
}
