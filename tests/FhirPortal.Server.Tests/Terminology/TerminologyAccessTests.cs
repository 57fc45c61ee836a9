using System.Net;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Terminology;

/// <summary>Terminology operations read ValueSets, CodeSystems and ConceptMaps: they need the scope that reads that type.</summary>
public sealed class TerminologyAccessTests(TerminologyAccessTests.Server server) : IClassFixture<TerminologyAccessTests.Server>
{
    /// <summary>One host with security on and a stored ValueSet.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public FhirPortalHost Host { get; } = AccessHost.Create();

        public async Task InitializeAsync()
        {
            var seed = await Host.SystemClient().PutAsync("ValueSet/genders", Fhir.Body("""
            {"resourceType":"ValueSet","id":"genders","url":"http://example.org/ValueSet/genders","status":"active",
             "compose":{"include":[{"system":"http://hl7.org/fhir/administrative-gender"}]}}
            """));
            Assert.True(seed.IsSuccessStatusCode);
        }

        public Task DisposeAsync()
        {
            Host.Dispose();
            return Task.CompletedTask;
        }
    }

    [Theory]
    [InlineData("patient/Observation.rs", "ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender", HttpStatusCode.Forbidden)]
    [InlineData("patient/ValueSet.r", "ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender", HttpStatusCode.OK)]
    [InlineData("patient/Observation.rs", "ValueSet/genders/$expand", HttpStatusCode.Forbidden)]
    [InlineData("patient/ValueSet.r", "ValueSet/genders/$validate-code?system=http://hl7.org/fhir/administrative-gender&code=male", HttpStatusCode.OK)]
    [InlineData("patient/ValueSet.r", "CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=male", HttpStatusCode.Forbidden)]
    [InlineData("patient/CodeSystem.r", "CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=male", HttpStatusCode.OK)]
    [InlineData("patient/ValueSet.r", "ConceptMap/$translate?url=http://example.org/cm&system=a&code=b", HttpStatusCode.Forbidden)]
    public async Task Operations_need_read_access_to_the_type(string scopes, string url, HttpStatusCode status)
    {
        var response = await server.Host.ClientWith(scopes, "p1").GetAsync(url);
        Assert.True(status == response.StatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
