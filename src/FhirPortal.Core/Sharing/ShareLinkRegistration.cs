using FhirPortal.Core.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Sharing;

/// <summary>Registers share links (the patient's operations, the recipients' manifests) and their OperationDefinitions; the host adds <see cref="IShareLinkKeys"/>.</summary>
public static class ShareLinkRegistration
{
    public static IServiceCollection AddShareLinks(this IServiceCollection services)
    {
        services.AddSingleton<ShareLinkStore>();
        services.AddSingleton<ShareLinks>();
        services.AddSingleton<ShareLinkManifests>();
        services.AddSingleton<ShareLinkPurge>();
        services.AddFeatureDefinitions(new FeatureDefinitions("sharing", ShareLinkCapabilities.Definitions()));
        return services;
    }
}
