using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirPortal.Benchmarks;

/// <summary>The server in process (TestServer) on a fresh SQLite data directory, Production environment, quiet logging.</summary>
internal sealed class BenchmarkHost : WebApplicationFactory<Program>
{
    public BenchmarkHost(string repoRoot)
    {
        // The content root WebApplicationFactory would guess from the solution layout; a console app has no test manifest.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_FHIRPORTAL_SERVER", Path.Combine(repoRoot, "src", "FhirPortal.Server"));
    }

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "fhirportal-bench", Guid.NewGuid().ToString("N"));

    public HttpClient CreateFhirClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/fhir/"), AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        client.Timeout = TimeSpan.FromMinutes(10);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("FhirPortal:DataDirectory", DataDirectory);
        // The benchmarks measure FHIR work, not token validation.
        builder.UseSetting("FhirPortal:Security:Enabled", "false");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
    }

    public bool KeepData { get; init; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (KeepData) return;
        try { if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { /* temp folders are cleaned by the OS */ }
    }
}
