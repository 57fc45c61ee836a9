using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class StringIndexingTests
{
    [Fact]
    public void Name_parts_are_separate_values_normalized_and_exact()
    {
        var patient = new Patient
        {
            Name =
            [
                new HumanName { Family = "Müller", Given = ["Jörg", "Peter"], Prefix = ["Dr."], Suffix = ["Jr"], Text = "Dr. Jörg Peter Müller" },
            ],
        };

        var strings = Indexing.Indexer.Index(patient).Strings;

        Assert.Contains(new StringIndexValue("family", "muller", "Müller"), strings);
        Assert.Contains(new StringIndexValue("given", "jorg", "Jörg"), strings);
        Assert.Contains(new StringIndexValue("given", "peter", "Peter"), strings);
        foreach (var exact in new[] { "Müller", "Jörg", "Peter", "Dr.", "Jr", "Dr. Jörg Peter Müller" })
            Assert.Contains(new StringIndexValue("name", StringNormalizer.Normalize(exact), exact), strings);
    }

    [Fact]
    public void Address_parts_are_indexed_for_address_and_its_specific_parameters()
    {
        var patient = new Patient
        {
            Address =
            [
                new Address { Line = ["1 Main St", "Flat 2"], City = "Springfield", District = "Greene", State = "IL", PostalCode = "62701", Country = "USA" },
            ],
        };

        var strings = Indexing.Indexer.Index(patient).Strings;

        foreach (var part in new[] { "1 Main St", "Flat 2", "Springfield", "Greene", "IL", "62701", "USA" })
            Assert.Contains(strings, s => s.Param == "address" && s.Exact == part);
        Assert.Contains(new StringIndexValue("address-city", "springfield", "Springfield"), strings);
        Assert.Contains(new StringIndexValue("address-postalcode", "62701", "62701"), strings);
        Assert.Contains(new StringIndexValue("address-country", "usa", "USA"), strings);
    }

    [Fact]
    public void Identical_values_are_stored_once()
    {
        var patient = new Patient { Name = [new HumanName { Family = "Smith" }, new HumanName { Family = "Smith" }] };

        var strings = Indexing.Indexer.Index(patient).Strings;

        Assert.Single(strings, s => s.Param == "family");
    }
}
