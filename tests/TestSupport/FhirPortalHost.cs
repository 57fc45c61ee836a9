using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests;

/// <summary>
/// An in-process server on a fresh SQLite data directory in a temp folder. Dispose it to stop the host; the
/// directory is deleted unless <see cref="KeepData"/> is set (restart tests reopen it with a new host).
/// With FHIRPORTAL_TEST_STORE=Cosmos the resources live in a Cosmos emulator container instead (<see cref="TestStore"/>).
/// </summary>
public sealed class FhirPortalHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public FhirPortalHost(string? dataDirectory = null, IDictionary<string, string?>? settings = null)
    {
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "fhirportal-tests", Guid.NewGuid().ToString("N"));
        // Most tests exercise FHIR semantics on an empty store, without tokens, with deliberately minimal resources:
        // access control, profiles/ and profile requirements are off unless a test's settings turn them on.
        _settings = new Dictionary<string, string?>
        {
            ["FhirPortal:Security:Enabled"] = "false",
            ["FhirPortal:ProfilesDirectory"] = "",
            ["FhirPortal:Validation:RequireProfiles"] = "",
            // Tests run as Development; the demo accounts and resources would show up in their searches.
            ["FhirPortal:Auth:SeedDemo"] = "false",
            // The notification worker would send and update notices behind the tests' backs; notification tests run it by hand.
            ["FhirPortal:Notifications:Background"] = "false",
            // The same for the automatic refills, which would create Tasks; the refill tests run a pass by hand.
            ["FhirPortal:Refills:Background"] = "false",
            // And for subscription deliveries; the subscription tests run a round by hand.
            ["FhirPortal:Subscriptions:Background"] = "false",
            // Every read would add an AuditEvent in the background, which counts, histories and $everything of the
            // tests would then see at unpredictable moments; the access audit tests turn it on (FhirPortal:Audit:Reads).
            ["FhirPortal:Audit:Reads"] = "false",
            // The retention purge removes old AuditEvents at start-up; its tests run it by hand or turn it on.
            ["FhirPortal:Audit:Purge"] = "false",
        };
        // The store under test (SQLite, or Cosmos with FHIRPORTAL_TEST_STORE=Cosmos); a test's own settings win.
        foreach (var (key, value) in TestStore.Settings(DataDirectory)) _settings[key] = value;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
        _settings["FhirPortal:DataDirectory"] = DataDirectory;
    }

    /// <summary>Service overrides applied after the app's own (e.g. a test authentication handler).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    public string DataDirectory { get; }
    public bool KeepData { get; set; }

    /// <summary>The FHIR base URL as the test client sees it.</summary>
    public string BaseUrl => "http://localhost/fhir";

    /// <summary>A client whose relative URLs resolve against the FHIR base and that asks for FHIR JSON.</summary>
    public HttpClient CreateFhirClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/fhir/"), AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        client.Timeout = TimeSpan.FromMinutes(5);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // A null value leaves the setting to the app's own configuration (its production default).
        foreach (var (key, value) in _settings.Where(s => s.Value is not null)) builder.UseSetting(key, value);
        if (TestServices is { } configure) builder.ConfigureTestServices(configure);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && !KeepData) TryDelete(DataDirectory);
    }

    public static void TryDelete(string directory)
    {
        try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); }
        catch (IOException) { /* a file may still be mapped briefly; temp folders are cleaned by the OS */ }
    }
}
