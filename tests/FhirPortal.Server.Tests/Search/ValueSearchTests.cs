namespace FhirPortal.Server.Tests.Search;

/// <summary>Per-type value matching (number, date, string, token, reference, quantity, uri, composite) end to end.</summary>
public sealed class ValueSearchTests : SearchTestBase
{
    private static string Risk(string id, string probability) =>
        $$"""{"resourceType":"RiskAssessment","id":"{{id}}","status":"final","subject":{"reference":"Patient/p1"},"prediction":[{"probabilityDecimal":{{probability}}}]}""";

    [Fact]
    public async Task Number_prefixes_on_RiskAssessment_probability()
    {
        await PutAsync(Risk("ra1", "0.1"), Risk("ra2", "0.25"), Risk("ra3", "0.5"), Risk("ra4", "0.8"));
        await AssertIdsAsync("RiskAssessment?probability=0.5", "ra3");
        await AssertIdsAsync("RiskAssessment?probability=eq0.25", "ra2");
        await AssertIdsAsync("RiskAssessment?probability=ne0.5", "ra1", "ra2", "ra4");
        await AssertIdsAsync("RiskAssessment?probability=gt0.25", "ra3", "ra4");
        await AssertIdsAsync("RiskAssessment?probability=lt0.25", "ra1");
        await AssertIdsAsync("RiskAssessment?probability=ge0.25", "ra2", "ra3", "ra4");
        await AssertIdsAsync("RiskAssessment?probability=le0.25", "ra1", "ra2");
        await AssertIdsAsync("RiskAssessment?probability=sa0.25", "ra3", "ra4");
        await AssertIdsAsync("RiskAssessment?probability=eb0.5", "ra1", "ra2");
        await AssertIdsAsync("RiskAssessment?probability=ap0.5", "ra3");
        await AssertIdsAsync("RiskAssessment?probability=0.1,0.8", "ra1", "ra4");
        // A more precise search value still matches a stored value inside its precision range.
        await AssertIdsAsync("RiskAssessment?probability=0.50", "ra3");
        await AssertIdsAsync("RiskAssessment?probability=0.500", "ra3");
        await AssertIdsAsync("RiskAssessment?probability=0.51");
        await AssertIdsAsync("RiskAssessment?probability=gt0.1&probability=lt0.8", "ra2", "ra3");
    }

    [Fact]
    public async Task Date_prefixes_on_Patient_birthdate()
    {
        await PutAsync(
            Patient("pA", "\"birthDate\":\"1970-01-01\""), Patient("pB", "\"birthDate\":\"1970-06-15\""),
            Patient("pC", "\"birthDate\":\"1971-03-01\""), Patient("pD", "\"birthDate\":\"1980-12-31\""), Patient("pE"));
        await AssertIdsAsync("Patient?birthdate=1970", "pA", "pB");
        await AssertIdsAsync("Patient?birthdate=1970-06", "pB");
        await AssertIdsAsync("Patient?birthdate=eq1970-06-15", "pB");
        await AssertIdsAsync("Patient?birthdate=ne1970", "pC", "pD");
        await AssertIdsAsync("Patient?birthdate=gt1970", "pC", "pD");
        await AssertIdsAsync("Patient?birthdate=lt1971", "pA", "pB");
        await AssertIdsAsync("Patient?birthdate=ge1970-06-15", "pB", "pC", "pD");
        await AssertIdsAsync("Patient?birthdate=le1970-06-15", "pA", "pB");
        await AssertIdsAsync("Patient?birthdate=sa1970", "pC", "pD");
        await AssertIdsAsync("Patient?birthdate=eb1971-03-01", "pA", "pB");
        await AssertIdsAsync("Patient?birthdate=ap1980-12-31", "pD");
        await AssertIdsAsync("Patient?birthdate=ge1970-06&birthdate=lt1980", "pB", "pC");
        await AssertIdsAsync("Patient?birthdate:missing=true", "pE");
    }

    [Fact]
    public async Task Date_prefixes_on_Observation_dateTimes_and_periods()
    {
        await PutAsync(
            Observation("o1", """ "code":{"text":"x"},"effectiveDateTime":"2021-03-04T10:20:30Z" """),
            Observation("o2", """ "code":{"text":"x"},"effectiveDateTime":"2021-03-04T18:00:00+02:00" """),
            Observation("o3", """ "code":{"text":"x"},"effectiveDateTime":"2021-03-05T00:00:00Z" """),
            Observation("o4", """ "code":{"text":"x"},"effectivePeriod":{"start":"2021-03-01","end":"2021-03-10"}"""));
        await AssertIdsAsync("Observation?date=2021-03-04", "o1", "o2");
        await AssertIdsAsync("Observation?date=2021-03-04T10:20:30Z", "o1");
        await AssertIdsAsync("Observation?date=2021-03", "o1", "o2", "o3", "o4");
        await AssertIdsAsync("Observation?date=ne2021-03-04", "o3", "o4");
        await AssertIdsAsync("Observation?date=gt2021-03-04", "o3", "o4");
        await AssertIdsAsync("Observation?date=lt2021-03-04T12:00:00Z", "o1", "o4");
        await AssertIdsAsync("Observation?date=ge2021-03-05", "o3", "o4");
        await AssertIdsAsync("Observation?date=le2021-03-04", "o1", "o2", "o4");
        await AssertIdsAsync("Observation?date=sa2021-02-28", "o1", "o2", "o3", "o4");
        await AssertIdsAsync("Observation?date=eb2021-03-05", "o1", "o2");
        await AssertIdsAsync("Observation?date=2021", "o1", "o2", "o3", "o4");
    }

    [Fact]
    public async Task Date_prefixes_on_Encounter_periods()
    {
        static string Encounter(string id, string period) =>
            $$"""{"resourceType":"Encounter","id":"{{id}}","status":"finished","class":{"code":"AMB"},"period":{{period}}}""";
        await PutAsync(
            Encounter("e1", """{"start":"2020-01-01T08:00:00Z","end":"2020-01-03T12:00:00Z"}"""),
            Encounter("e2", """{"start":"2020-02-01"}"""),
            Encounter("e3", """{"start":"2019-12-01","end":"2019-12-02"}"""));
        await AssertIdsAsync("Encounter?date=2020-01", "e1");
        await AssertIdsAsync("Encounter?date=2020-01-02");
        await AssertIdsAsync("Encounter?date=ge2020-01-02", "e1", "e2");
        await AssertIdsAsync("Encounter?date=lt2020-01-02", "e1", "e3");
        await AssertIdsAsync("Encounter?date=sa2019-12-31", "e1", "e2");
        await AssertIdsAsync("Encounter?date=eb2020-01-01", "e3");
        await AssertIdsAsync("Encounter?date=gt2030", "e2");
    }

    [Fact]
    public async Task String_starts_with_exact_and_contains()
    {
        await PutAsync(
            Patient("s1", """ "name":[{"family":"Müller","given":["Hans"]}],"address":[{"city":"Zürich"}]"""),
            Patient("s2", """ "name":[{"family":"Mueller"}]"""),
            Patient("s3", """ "name":[{"family":"Muller-Schmidt"}]"""),
            Patient("s4", """ "name":[{"family":"Smith","given":["Annemarie"]}],"address":[{"city":"Berlin"}]"""));
        await AssertIdsAsync("Patient?family=muller", "s1", "s3");
        await AssertIdsAsync("Patient?family=MÜLL", "s1", "s3");
        await AssertIdsAsync("Patient?family:exact=Müller", "s1");
        await AssertIdsAsync("Patient?family:exact=muller");
        await AssertIdsAsync("Patient?family:contains=SCHMI", "s3");
        await AssertIdsAsync("Patient?name=hans", "s1");
        await AssertIdsAsync("Patient?name=marie");
        await AssertIdsAsync("Patient?name:contains=marie", "s4");
        await AssertIdsAsync("Patient?address-city=zur", "s1");
        await AssertIdsAsync("Patient?address-city:contains=rli", "s4");
        await AssertIdsAsync("Patient?family=smith,mueller", "s2", "s4");
        await AssertIdsAsync("Patient?name=smith&name=anne", "s4");
        await AssertIdsAsync("Patient?name=smith&name=hans");
    }

    [Fact]
    public async Task Token_code_system_not_text_missing()
    {
        await PutAsync(
            Observation("t1", """ "code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"category":[{"coding":[{"code":"lab"}]}]"""),
            Observation("t2", """ "code":{"coding":[{"system":"http://snomed.info/sct","code":"1234-5"}]}"""),
            Observation("t3", """ "code":{"coding":[{"code":"1234-5"}]}"""),
            Observation("t4", """ "code":{"coding":[{"system":"http://loinc.org","code":"9999-9","display":"Glucose"}],"text":"Blood sugar"}"""));
        await AssertIdsAsync("Observation?code=1234-5", "t1", "t2", "t3");
        await AssertIdsAsync("Observation?code=http://loinc.org|1234-5", "t1");
        await AssertIdsAsync("Observation?code=|1234-5", "t3");
        await AssertIdsAsync("Observation?code=http://loinc.org|", "t1", "t4");
        await AssertIdsAsync("Observation?code:not=1234-5", "t4");
        await AssertIdsAsync("Observation?code:not=http://loinc.org|1234-5", "t2", "t3", "t4");
        await AssertIdsAsync("Observation?category:not=lab", "t2", "t3", "t4");
        await AssertIdsAsync("Observation?code:text=sugar", "t4");
        await AssertIdsAsync("Observation?code:text=gluc", "t4");
        await AssertIdsAsync("Observation?category:missing=true", "t2", "t3", "t4");
        await AssertIdsAsync("Observation?category:missing=false", "t1");
        await AssertIdsAsync("Observation?code=http://loinc.org|9999-9,http://snomed.info/sct|1234-5", "t2", "t4");
    }

    [Fact]
    public async Task Token_of_type_on_identifier()
    {
        const string v2 = "http://terminology.hl7.org/CodeSystem/v2-0203";
        await PutAsync(
            Patient("i1", $$""" "identifier":[{"type":{"coding":[{"system":"{{v2}}","code":"MR"}]},"system":"urn:mrn","value":"12345"}]"""),
            Patient("i2", $$""" "identifier":[{"type":{"coding":[{"system":"{{v2}}","code":"SS"}]},"system":"urn:ssn","value":"12345"}]"""),
            Patient("i3", """ "identifier":[{"system":"urn:mrn","value":"12345"}]"""));
        await AssertIdsAsync($"Patient?identifier:of-type={v2}|MR|12345", "i1");
        await AssertIdsAsync($"Patient?identifier:of-type={v2}|SS|12345", "i2");
        await AssertIdsAsync("Patient?identifier=urn:mrn|12345", "i1", "i3");
        await AssertIdsAsync("Patient?identifier=12345", "i1", "i2", "i3");
    }

    [Fact]
    public async Task Reference_forms_and_modifiers()
    {
        await PutAsync(
            Observation("r1", """ "code":{"text":"x"},"subject":{"reference":"Patient/p1"}"""),
            Observation("r2", """ "code":{"text":"x"},"subject":{"reference":"Patient/p2"}"""),
            Observation("r3", """ "code":{"text":"x"},"subject":{"reference":"http://other.org/fhir/Patient/x9"}"""),
            Observation("r4", """ "code":{"text":"x"},"subject":{"identifier":{"system":"urn:ssn","value":"111"}}"""),
            Observation("r5", """ "code":{"text":"x"}"""),
            Observation("r6", """ "code":{"text":"x"},"subject":{"reference":"Group/p1"}"""));
        await AssertIdsAsync("Observation?subject=Patient/p1", "r1");
        await AssertIdsAsync("Observation?subject=p1", "r1", "r6");
        await AssertIdsAsync("Observation?subject:Patient=p1", "r1");
        await AssertIdsAsync("Observation?subject:Group=p1", "r6");
        await AssertIdsAsync("Observation?subject=http://other.org/fhir/Patient/x9", "r3");
        await AssertIdsAsync("Observation?subject=http://localhost/fhir/Patient/p2", "r2");
        await AssertIdsAsync("Observation?subject:identifier=urn:ssn|111", "r4");
        await AssertIdsAsync("Observation?subject:missing=true", "r5");
        await AssertIdsAsync("Observation?subject:missing=false", "r1", "r2", "r3", "r4", "r6");
        await AssertIdsAsync("Observation?patient=p1", "r1");
        await AssertIdsAsync("Observation?subject=Patient/p1,Patient/p2", "r1", "r2");
    }

    [Fact]
    public async Task Quantity_prefixes_units_and_ucum_conversion()
    {
        static string Q(string id, string quantity) => Observation(id, $$""" "code":{"text":"glucose"},"valueQuantity":{{quantity}}""");
        await PutAsync(
            Q("q1", """{"value":126,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}"""),
            Q("q2", """{"value":5.4,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}"""),
            Q("q3", """{"value":1.5,"unit":"g/L","system":"http://unitsofmeasure.org","code":"g/L"}"""),
            Q("q4", """{"value":100,"unit":"mg/dL"}"""));
        await AssertIdsAsync("Observation?value-quantity=126|http://unitsofmeasure.org|mg/dL", "q1");
        await AssertIdsAsync("Observation?value-quantity=gt120|http://unitsofmeasure.org|mg/dL", "q1", "q3");
        await AssertIdsAsync("Observation?value-quantity=1.26|http://unitsofmeasure.org|g/L", "q1");
        await AssertIdsAsync("Observation?value-quantity=le1.3|http://unitsofmeasure.org|g/L", "q1");
        await AssertIdsAsync("Observation?value-quantity=lt6|http://unitsofmeasure.org|mmol/L", "q2");
        await AssertIdsAsync("Observation?value-quantity=100||mg/dL", "q4");
        await AssertIdsAsync("Observation?value-quantity=5.4", "q2");
        await AssertIdsAsync("Observation?value-quantity=ge100", "q1", "q4");
        await AssertIdsAsync("Observation?value-quantity=ne126|http://unitsofmeasure.org|mg/dL", "q3");
    }

    [Fact]
    public async Task Uri_exact_above_below()
    {
        static string Vs(string id, string url) => $$"""{"resourceType":"ValueSet","id":"{{id}}","status":"active","url":"{{url}}"}""";
        await PutAsync(
            Vs("vs1", "http://example.org/fhir/ValueSet/a"), Vs("vs2", "http://example.org/fhir/ValueSet/a/b"),
            Vs("vs3", "http://example.org/fhir/other"), Vs("vs4", "http://acme.org/ValueSet/a"));
        await AssertIdsAsync("ValueSet?url=http://example.org/fhir/ValueSet/a", "vs1");
        await AssertIdsAsync("ValueSet?url:below=http://example.org/fhir/ValueSet", "vs1", "vs2");
        await AssertIdsAsync("ValueSet?url:above=http://example.org/fhir/ValueSet/a/b/c", "vs1", "vs2");
    }

    [Fact]
    public async Task Composite_values_do_not_mix_components()
    {
        static string Component(string code, int value) =>
            $$$"""{"code":{"coding":[{"system":"http://loinc.org","code":"{{{code}}}"}]},"valueQuantity":{"value":{{{value}}},"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}""";
        await PutAsync(
            Observation("bp1", $$""" "code":{"coding":[{"system":"http://loinc.org","code":"85354-6"}]},"component":[{{Component("8480-6", 150)}},{{Component("8462-4", 90)}}]"""),
            Observation("bp2", $$""" "code":{"coding":[{"system":"http://loinc.org","code":"85354-6"}]},"component":[{{Component("8480-6", 120)}},{{Component("8462-4", 145)}}]"""),
            Observation("c3", """ "code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":150,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}"""),
            Observation("c4", """ "code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":130,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}"""));
        await AssertIdsAsync("Observation?code-value-quantity=http://loinc.org|8480-6$gt140", "c3");
        await AssertIdsAsync("Observation?code-value-quantity=http://loinc.org|8480-6$lt140", "c4");
        await AssertIdsAsync("Observation?component-code-value-quantity=http://loinc.org|8480-6$gt140", "bp1");
        await AssertIdsAsync("Observation?component-code-value-quantity=http://loinc.org|8462-4$gt140", "bp2");
        await AssertIdsAsync("Observation?component-code-value-quantity=http://loinc.org|8480-6$lt130", "bp2");
        await AssertIdsAsync("Observation?component-code-value-quantity=http://loinc.org|8480-6$gt140,http://loinc.org|8462-4$gt140", "bp1", "bp2");
        await AssertIdsAsync("Observation?component-code-value-quantity=http://loinc.org|8480-6$gt140&component-code-value-quantity=http://loinc.org|8462-4$lt100", "bp1");
    }
}
