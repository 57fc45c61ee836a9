using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace FhirPortal.Server.Tests.Import;

/// <summary>A Kestrel app on a free loopback port that serves a test's NDJSON inputs over http.</summary>
internal static class LocalSource
{
    public static WebApplication Create()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder.Build();
    }

    /// <summary>Starts the app and returns the port it listens on.</summary>
    public static async Task<int> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return new Uri(app.Urls.First()).Port;
    }
}
