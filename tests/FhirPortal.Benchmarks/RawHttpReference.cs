using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Benchmarks;

/// <summary>
/// The request ceiling: this harness started as a child process in <see cref="ServeFlag"/> mode is a minimal Kestrel
/// app answering every request with the same pre-serialized bytes (a real read response), so the load generator and
/// Kestrel cost what they cost for FhirPortal, without any FHIR work.
/// </summary>
internal static class RawHttpReference
{
    public const string ServeFlag = "--serve-raw-http";

    /// <summary>Arguments: the flag, the port, the file holding the response body.</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        var body = await File.ReadAllBytesAsync(args[2]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{args[1]}");
        await using var app = builder.Build();
        app.Run(context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/fhir+json";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        await app.RunAsync();
        return 0;
    }
}
