using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using FhirPortal.Core;
using FhirPortal.Core.Sharing;
using FhirPortal.Server.Endpoints;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>
/// The recipients' routes (<c>/shl/...</c>) per client address: at most <see cref="ShareLinkOptions.RateLimitRequests"/>
/// requests per <see cref="ShareLinkOptions.RateLimitWindow"/>, so one address can neither probe many link ids nor
/// hammer one link. Over it: 429 with Retry-After and an OperationOutcome (SHL leaves the body to the server).
/// </summary>
internal sealed class ShareLinkRateLimit(IOptions<ShareLinkOptions> options, ILogger<ShareLinkRateLimit> logger) : IRateLimiterPolicy<string>
{
    public const string Policy = "share-link-recipients";
    private int _warned;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var limits = options.Value;
        // The forwarded-headers step consumes the X-Forwarded-For entries it applies: one left means an untrusted (or
        // one more) proxy, whose clients then all share its partition. Said once, not per request.
        if (httpContext.Request.Headers.ContainsKey("X-Forwarded-For") && Interlocked.Exchange(ref _warned, 1) == 0)
            logger.LogWarning("A share link request from {Address} carries X-Forwarded-For that was not applied: every client behind " +
                "that proxy shares one rate limit. List the proxy in FhirPortal:Proxy:KnownProxies or KnownNetworks.", httpContext.Connection.RemoteIpAddress);
        // The address is the forwarded one behind a known proxy (forwarded headers run first).
        return RateLimitPartition.GetFixedWindowLimiter(Client(httpContext.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limits.RateLimitRequests, Window = limits.RateLimitWindow, QueueLimit = 0, AutoReplenishment = true,
        });
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, ct) =>
    {
        var http = context.HttpContext;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? retryAfter : http.RequestServices.GetRequiredService<IOptions<ShareLinkOptions>>().Value.RateLimitWindow;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
        await FhirOutput.WritePocoAsync(http, Outcomes.Error(OperationOutcome.IssueType.Throttled,
            $"Too many share link requests from this address; try again in {seconds} seconds."), StatusCodes.Status429TooManyRequests);
    };

    /// <summary>
    /// The partition of an address: an IPv4 address itself, an IPv6 address by its /64 (one host usually holds a
    /// whole /64, so per-address limits would be no limit at all); no address (in-process hosts) is one partition.
    /// </summary>
    internal static string Client(IPAddress? address)
    {
        if (address is null) return "none";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
