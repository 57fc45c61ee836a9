using System.Text;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Serialization;

/// <summary>What the parser accepts that the SDK alone calls empty, and what it still refuses.</summary>
public sealed class FhirParserTests
{
    private static readonly FhirParser Parser = new(100);

    [Theory]
    [InlineData("""{"resourceType":"Parameters"}""")]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"Basic"}]}""")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}}]}""")]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient"}}]}""")]
    public void A_resource_of_its_type_alone_is_accepted_in_JSON(string json) =>
        Assert.NotNull(Parser.ParseJson(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""<Parameters xmlns="http://hl7.org/fhir"/>""")]
    [InlineData("""<Patient xmlns="http://hl7.org/fhir"><contained><Basic/></contained></Patient>""")]
    public void A_resource_of_its_type_alone_is_accepted_in_XML(string xml) =>
        Assert.NotNull(Parser.ParseXml(Encoding.UTF8.GetBytes(xml)));

    [Theory]
    [InlineData("""{"resourceType":"Patient","name":[{}]}""")]
    [InlineData("""{"resourceType":"Patient","maritalStatus":{}}""")]
    [InlineData("""{"resourceType":"Parameters","parameter":[{}]}""")]
    public void An_empty_element_is_still_refused(string json)
    {
        var error = Assert.Throws<FhirOutcomeException>(() => Parser.ParseJson(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(400, error.Status);
    }
}
