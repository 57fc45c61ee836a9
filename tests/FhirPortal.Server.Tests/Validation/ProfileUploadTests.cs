using System.Net;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>A StructureDefinition written through the API must be usable: a known base, and a differential that expands on it.</summary>
public sealed class ProfileUploadTests
{
    private static string Profile(string baseDefinition, string path) =>
        $$$"""{"resourceType":"StructureDefinition","id":"p","url":"http://example.org/StructureDefinition/p","name":"P","status":"active","kind":"resource","abstract":false,"type":"Device","baseDefinition":"{{{baseDefinition}}}","derivation":"constraint","differential":{"element":[{"id":"{{{path}}}","path":"{{{path}}}","min":1}]}}""";

    [Fact]
    public async Task Profile_on_an_unknown_base_is_422()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var response = await host.CreateFhirClient().PutAsync("StructureDefinition/p", Fhir.Body(Profile("http://example.org/StructureDefinition/nowhere", "Device.status")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("nowhere", (await response.ReadJsonAsync())["issue"]![0]!["diagnostics"]!.GetValue<string>());
    }

    [Fact]
    public async Task Profile_whose_differential_names_an_element_R4_lacks_is_422()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var bad = await client.PutAsync("StructureDefinition/p", Fhir.Body(Profile("http://hl7.org/fhir/StructureDefinition/Device", "Device.colour")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("StructureDefinition/p")).StatusCode);
        var good = await client.PutAsync("StructureDefinition/p", Fhir.Body(Profile("http://hl7.org/fhir/StructureDefinition/Device", "Device.status")));
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
    }
}
