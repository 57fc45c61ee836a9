using FhirPortal.Core.Sharing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers share links (SMART Health Links): options, the Data Protection key wrapper, their OperationDefinitions, the purge and the recipients' rate limit.</summary>
internal static class ShareLinkServices
{
    public static IServiceCollection AddPatientShareLinks(this IServiceCollection services)
    {
        services.AddOptions<ShareLinkOptions>().BindConfiguration(ShareLinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ShareLinkOptions>>().Value);
        services.AddDataProtection();
        services.AddSingleton<IShareLinkKeys, DataProtectedShareLinkKeys>();
        services.AddShareLinks();
        services.AddHostedService<ShareLinkPurgeWorker>();
        services.AddRateLimiter(o => o.AddPolicy<string, ShareLinkRateLimit>(ShareLinkRateLimit.Policy));
        return services;
    }
}

/// <summary>
/// A link's key wrapped with ASP.NET Core Data Protection (the host's key ring, the same one that protects sign-in
/// cookies), so the job table alone does not reveal it.
/// </summary>
internal sealed class DataProtectedShareLinkKeys(IDataProtectionProvider provider) : IShareLinkKeys
{
    private readonly IDataProtector _protector = provider.CreateProtector("FhirPortal.ShareLinks.Key");

    public string Protect(byte[] key) => Convert.ToBase64String(_protector.Protect(key));

    public byte[] Unprotect(string protectedKey) => _protector.Unprotect(Convert.FromBase64String(protectedKey));
}
