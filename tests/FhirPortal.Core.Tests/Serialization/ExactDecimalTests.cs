using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Serialization;

/// <summary>R4 decimals keep the text they were written with through parse → serialize, whatever their range.</summary>
public sealed class ExactDecimalTests
{
    private static readonly FhirParser Parser = new(100);

    private static string ObservationWith(string number) =>
        $$$"""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":{{{number}}},"unit":"g"},"component":[{"code":{"text":"c"},"valueInteger":3},{"code":{"text":"d"},"valueQuantity":{"value":{{{number}}}}}],"extension":[{"url":"http://example.org/d","valueDecimal":{{{number}}}}]}""";

    [Theory]
    [InlineData("1.5E3", "1500")]
    [InlineData("1e3", "1000")]
    [InlineData("1E-30", "0")]
    [InlineData("0.10000000000000000000000000000001", "0.1")]
    [InlineData("1.000000000000000000E245", "79228162514264337593543950335")]
    [InlineData("-1.000000000000000000E+245", "-79228162514264337593543950335")]
    [InlineData("1.500", "1.5")]
    [InlineData("-0.0", "0")]
    public void A_decimal_is_written_back_as_it_was_read_and_holds_its_closest_System_Decimal(string number, string closest)
    {
        var observation = (Observation)Parser.ParseJson(Encoding.UTF8.GetBytes(ObservationWith(number)));

        Assert.Equal(decimal.Parse(closest, System.Globalization.CultureInfo.InvariantCulture), ((Quantity)observation.Value!).Value);
        var json = JsonNode.Parse(FhirSerializer.ToJsonBytes(observation))!;
        Assert.Equal(number, json["valueQuantity"]!["value"]!.ToJsonString());
        Assert.Equal(number, json["component"]![1]!["valueQuantity"]!["value"]!.ToJsonString());
        Assert.Equal(number, json["extension"]![0]!["valueDecimal"]!.ToJsonString());
        Assert.Equal("3", json["component"]![0]!["valueInteger"]!.ToJsonString());
    }

    [Theory]
    [InlineData("1.5E3")]
    [InlineData("1.000000000000000000E245")]
    [InlineData("-1E-300")]
    public void An_XML_decimal_keeps_its_text_too(string number)
    {
        var xml = $"""
            <Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code>
              <valueQuantity><value value="{number}"/></valueQuantity>
              <component><code><text value="c"/></code><valueInteger value="3"/></component>
              <component><code><text value="d"/></code><valueQuantity><value value="{number}"/></valueQuantity></component>
            </Observation>
            """;

        var json = JsonNode.Parse(FhirSerializer.ToJsonBytes(Parser.ParseXml(Encoding.UTF8.GetBytes(xml))))!;

        Assert.Equal(number, json["valueQuantity"]!["value"]!.ToJsonString());
        Assert.Equal(number, json["component"]![1]!["valueQuantity"]!["value"]!.ToJsonString());
    }

    [Fact]
    public void Stored_json_read_back_keeps_the_exact_text()
    {
        var stored = FhirSerializer.ToJsonBytes(Parser.ParseJson(Encoding.UTF8.GetBytes(ObservationWith("1E-300"))));

        var reread = FhirSerializer.ToJsonBytes(FhirParser.ParseStored(stored));

        Assert.Equal(Encoding.UTF8.GetString(stored), Encoding.UTF8.GetString(reread));
    }

    [Fact]
    public void A_changed_decimal_is_written_with_its_new_value()
    {
        var observation = (Observation)Parser.ParseJson(Encoding.UTF8.GetBytes(ObservationWith("1.5E3")));

        ((Quantity)observation.Value!).Value = 2.5m;

        Assert.Equal("2.5", JsonNode.Parse(FhirSerializer.ToJsonBytes(observation))!["valueQuantity"]!["value"]!.ToJsonString());
    }

    [Fact]
    public void A_number_where_no_decimal_belongs_is_still_refused()
    {
        var json = """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueInteger":1E400}""";

        var error = Assert.Throws<FhirOutcomeException>(() => Parser.ParseJson(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(400, error.Status);
    }
}
