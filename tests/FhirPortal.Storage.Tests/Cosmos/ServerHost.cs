using System.Net.Http.Headers;
using FhirPortal.Storage.Cosmos;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>The whole server in process on SQLite in <c>dataDirectory</c> or, given a container, on Cosmos DB; no tokens, no profiles.</summary>
internal sealed class ServerHost(string dataDirectory, CosmosStoreOptions? cosmos = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("FhirPortal:DataDirectory", dataDirectory);
        builder.UseSetting("FhirPortal:Security:Enabled", "false");
        builder.UseSetting("FhirPortal:ProfilesDirectory", "");
        builder.UseSetting("FhirPortal:Validation:RequireProfiles", "");
        builder.UseSetting("FhirPortal:Auth:SeedDemo", "false");
        // Each store would record its own AuditEvents of the test's reads (and send its own notices) with ids of its
        // own, so the two stores' $everything and $export would differ by exactly those background writes.
        builder.UseSetting("FhirPortal:Audit:Reads", "false");
        builder.UseSetting("FhirPortal:Notifications:Background", "false");
        if (cosmos is null) return;
        builder.UseSetting("FhirPortal:Storage:Provider", "Cosmos");
        builder.UseSetting("FhirPortal:Storage:Cosmos:Endpoint", cosmos.Endpoint);
        builder.UseSetting("FhirPortal:Storage:Cosmos:Key", cosmos.Key);
        builder.UseSetting("FhirPortal:Storage:Cosmos:Database", cosmos.Database);
        builder.UseSetting("FhirPortal:Storage:Cosmos:Container", cosmos.Container);
    }

    /// <summary>A client on the FHIR base that asks for FHIR JSON.</summary>
    public HttpClient FhirClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/fhir/") });
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        client.Timeout = TimeSpan.FromMinutes(10);
        return client;
    }
}
