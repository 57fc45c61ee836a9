using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class QuantityIndexingTests
{
    [Fact]
    public void Ucum_quantity_has_precision_range_and_canonical_value()
    {
        var observation = new Observation { Value = new Quantity(126m, "mg/dL") { Unit = "mg/dL" } };

        var quantity = Assert.Single(Indexing.Indexer.Index(observation).Quantities, q => q.Param == "value-quantity");

        Assert.Equal(("http://unitsofmeasure.org", "mg/dL", "mg/dL", 126m, 125.5m, 126.5m),
            (quantity.System, quantity.Code, quantity.Unit, quantity.Value, quantity.Low, quantity.High));
        Assert.True(UcumCanonical.TryCanonicalize(126m, "mg/dL", out var canonicalValue, out var canonicalCode));
        Assert.Equal(canonicalCode, quantity.CanonicalCode);
        Assert.Equal(canonicalValue, quantity.CanonicalValue);
    }

    [Fact]
    public void Non_ucum_quantity_has_no_canonical_form()
    {
        var observation = new Observation { Value = new Quantity { Value = 1.5m, System = "http://example.org/units", Code = "tabs" } };

        var quantity = Assert.Single(Indexing.Indexer.Index(observation).Quantities, q => q.Param == "value-quantity");

        Assert.Equal((1.45m, 1.55m), (quantity.Low, quantity.High));
        Assert.Null(quantity.CanonicalCode);
        Assert.Null(quantity.CanonicalValue);
    }

    [Fact]
    public void Money_uses_the_currency_as_code()
    {
        var invoice = new Invoice { TotalGross = new Money { Value = 100m, Currency = Money.Currencies.EUR } };

        var quantity = Assert.Single(Indexing.Indexer.Index(invoice).Quantities, q => q.Param == "totalgross");

        Assert.Equal(("EUR", 100m, 99.5m, 100.5m), (quantity.Code, quantity.Value, quantity.Low, quantity.High));
    }

    [Fact]
    public void Decimal_numbers_have_their_implicit_precision()
    {
        var assessment = new RiskAssessment { Prediction = [new RiskAssessment.PredictionComponent { Probability = new FhirDecimal(0.25m) }] };

        var number = Assert.Single(Indexing.Indexer.Index(assessment).Numbers, n => n.Param == "probability");

        Assert.Equal((0.25m, 0.245m, 0.255m), (number.Value, number.Low, number.High));
    }

    [Fact]
    public void Integers_have_a_half_unit_precision_range()
    {
        var sequence = new MolecularSequence { Variant = [new MolecularSequence.VariantComponent { Start = 100 }] };

        var number = Assert.Single(Indexing.Indexer.Index(sequence).Numbers, n => n.Param == "variant-start");

        Assert.Equal((100m, 99.5m, 100.5m), (number.Value, number.Low, number.High));
    }
}
