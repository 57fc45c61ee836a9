using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>A host on a fake clock whose store fails the first two listings of one job kind (the poll's and the expiry's at start-up).</summary>
internal static class JobExpiryHost
{
    public static FhirPortalHost Create(FakeTimeProvider clock, string kind) => new()
    {
        TestServices = services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            FreezableStore.Install(store => store.FailJobListings(kind, 2))(services);
        },
    };
}
