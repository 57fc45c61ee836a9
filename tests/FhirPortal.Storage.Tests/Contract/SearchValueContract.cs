using FhirPortal.Search;
using Hl7.Fhir.Model;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// Value searches (number, quantity, composite, :text, ap, _text/_content) and _sort by every parameter type, which
/// every store must answer identically (each test on a fresh, empty store; ids are written in ascending order, so
/// ties break alike whether a store breaks them by insertion order or by id).
/// </summary>
public abstract class SearchValueContract : StoreUnderTest
{
    private const string Ucum = "http://unitsofmeasure.org";

    private static List<string> Ids(int count) => Enumerable.Range(0, count).Select(_ => NewId()).Order(StringComparer.Ordinal).ToList();

    private async Task<List<string>> IdsAsync(string type, params (string Name, string Value)[] parameters) =>
        (await Store!.SearchAsync(Query(type, parameters), None)).Entries.Select(e => e.Key.Id).Order().ToList();

    private async Task CommitAsync(params Resource[] resources) =>
        await Store!.CommitAsync(Batch(resources.Select(r => Version(r, 1)).ToArray()), None);

    /// <summary>Every page of the search in order, <paramref name="count"/> at a time, following the next cursor.</summary>
    private async Task<List<string>> PagesAsync(string type, int count, params (string Name, string Value)[] parameters)
    {
        var query = Query(type, [.. parameters, ("_count", count.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Store!.SearchAsync(query with { Cursor = cursor }, None);
            Assert.True(page.Entries.Count <= count);
            seen.AddRange(page.Entries.Select(e => e.Key.Id));
            cursor = page.NextCursor;
        } while (cursor is not null && seen.Count < 100);
        return seen;
    }

    private static RiskAssessment Risk(string id, DataType probability) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Subject = new ResourceReference("Patient/p"),
        Prediction = [new RiskAssessment.PredictionComponent { Probability = probability }],
    };

    private static Observation Measured(string id, DataType value, string code = "1111-1", string? display = null)
    {
        var observation = Observation(id, "p", code);
        observation.Code.Coding[0].Display = display;
        observation.Value = value;
        return observation;
    }

    [SkippableFact]
    public async Task Number_prefixes_compare_values_and_precision_ranges()
    {
        var (half, high, whole, zero) = (NewId(), NewId(), NewId(), NewId());
        await CommitAsync(
            Risk(half, new FhirDecimal(0.5m)), Risk(high, new FhirDecimal(0.85m)), Risk(whole, new FhirDecimal(100m)), Risk(zero, new FhirDecimal(0m)));
        Assert.Equal([half], await IdsAsync("RiskAssessment", ("probability", "0.5")));
        Assert.Equal([half], await IdsAsync("RiskAssessment", ("probability", "0.50")));
        Assert.Equal([whole], await IdsAsync("RiskAssessment", ("probability", "100")));
        Assert.Equal([zero], await IdsAsync("RiskAssessment", ("probability", "0")));
        Assert.Equal(new[] { high, whole }.Order(), await IdsAsync("RiskAssessment", ("probability", "gt0.5")));
        Assert.Equal(new[] { half, high, whole }.Order(), await IdsAsync("RiskAssessment", ("probability", "ge0.5")));
        Assert.Equal([zero], await IdsAsync("RiskAssessment", ("probability", "lt0.5")));
        Assert.Equal(new[] { half, zero }.Order(), await IdsAsync("RiskAssessment", ("probability", "le0.5")));
        Assert.Equal(new[] { high, whole, zero }.Order(), await IdsAsync("RiskAssessment", ("probability", "ne0.5")));
        Assert.Equal(new[] { half, high, whole }.Order(), await IdsAsync("RiskAssessment", ("probability", "sa0.4")));
        Assert.Equal(new[] { half, zero }.Order(), await IdsAsync("RiskAssessment", ("probability", "eb0.6")));
        Assert.Equal([half], await IdsAsync("RiskAssessment", ("probability", "ap0.47")));
        Assert.Equal(new[] { half, high }.Order(), await IdsAsync("RiskAssessment", ("probability", "ap0.5,0.85")));
    }

    [SkippableFact]
    public async Task Quantity_matches_system_code_unit_and_canonical_ucum_values()
    {
        var (mg, ug, other, kg, money) = (NewId(), NewId(), NewId(), NewId(), NewId());
        await CommitAsync(
            Measured(mg, new Quantity(5.4m, "mg", Ucum)),
            Measured(ug, new Quantity(5400m, "ug", Ucum)),
            Measured(other, new Quantity { Value = 5.4m, System = "http://example.org/units", Code = "mg", Unit = "milligram" }),
            Measured(kg, new Quantity { Value = 2m, System = Ucum, Code = "kg", Unit = "kilo" }),
            Measured(money, new Quantity { Value = 5.4m, Unit = "mg" }));
        Assert.Equal(new[] { mg, ug }.Order(), await IdsAsync("Observation", ("value-quantity", $"5.4|{Ucum}|mg")));
        Assert.Equal(new[] { mg, ug, other, money }.Order(), await IdsAsync("Observation", ("value-quantity", "5.4||mg")));
        Assert.Equal(new[] { mg, other, money }.Order(), await IdsAsync("Observation", ("value-quantity", "5.4")));
        Assert.Equal([kg], await IdsAsync("Observation", ("value-quantity", "2000|http://unitsofmeasure.org|g")));
        Assert.Equal([kg], await IdsAsync("Observation", ("value-quantity", "2||kilo")));
        Assert.Equal(new[] { mg, ug, kg }.Order(), await IdsAsync("Observation", ("value-quantity", $"gt1|{Ucum}|mg")));
        Assert.Equal(new[] { mg, ug }.Order(), await IdsAsync("Observation", ("value-quantity", $"lt1|{Ucum}|g")));
        Assert.Equal([kg], await IdsAsync("Observation", ("value-quantity", $"ne5.4|{Ucum}|mg")));
        Assert.Equal(new[] { mg, ug }.Order(), await IdsAsync("Observation", ("value-quantity", $"ap5|{Ucum}|mg")));
        Assert.Equal([other], await IdsAsync("Observation", ("value-quantity", "5.4|http://example.org/units|mg")));
    }

    [SkippableFact]
    public async Task Composite_components_must_hold_on_the_same_occurrence()
    {
        var (pressure, other) = (NewId(), NewId());
        var observation = Observation(pressure, "p", "85354-9");
        observation.Component =
        [
            new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6"), Value = new Quantity(120m, "mm[Hg]", Ucum) },
            new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8462-4"), Value = new Quantity(80m, "mm[Hg]", Ucum) },
        ];
        await CommitAsync(observation, Measured(other, new Quantity(120m, "mm[Hg]", Ucum), "8480-6"));
        Assert.Equal([pressure], await IdsAsync("Observation", ("component-code-value-quantity", "http://loinc.org|8480-6$120")));
        Assert.Equal([pressure], await IdsAsync("Observation", ("component-code-value-quantity", "8462-4$lt100")));
        Assert.Empty(await IdsAsync("Observation", ("component-code-value-quantity", "8480-6$80")));
        Assert.Equal([pressure], await IdsAsync("Observation", ("component-code-value-quantity", "8480-6$80,8462-4$80")));
        Assert.Equal([other], await IdsAsync("Observation", ("code-value-quantity", "8480-6$120")));
        Assert.Empty(await IdsAsync("Observation", ("code-value-quantity", "85354-9$120")));
    }

    [SkippableFact]
    public async Task Token_text_modifier_matches_word_starts_of_the_display()
    {
        var (heart, other) = (NewId(), NewId());
        await CommitAsync(
            Measured(heart, new Quantity(70m, "/min", Ucum), "8867-4", "Heart rate"),
            Measured(other, new Quantity(37m, "Cel", Ucum), "8310-5", "Body temperature"));
        Assert.Equal([heart], await IdsAsync("Observation", ("code:text", "heart")));
        Assert.Equal([heart], await IdsAsync("Observation", ("code:text", "RAT")));
        Assert.Equal([heart], await IdsAsync("Observation", ("code:text", "heart rate")));
        Assert.Empty(await IdsAsync("Observation", ("code:text", "eart")));
        Assert.Equal(new[] { heart, other }.Order(), await IdsAsync("Observation", ("code:text", "temp,hea")));
    }

    [SkippableFact]
    public async Task Date_ap_prefix_matches_values_near_the_search_date()
    {
        var (exact, near, far) = (NewId(), NewId(), NewId());
        var nearby = Patient(near, "Near");
        nearby.BirthDate = "1979-01-01";
        var distant = Patient(far, "Far");
        distant.BirthDate = "1950-01-02";
        await CommitAsync(Patient(exact, "Exact"), nearby, distant);
        Assert.Equal(new[] { exact, near }.Order(), await IdsAsync("Patient", ("birthdate", "ap1980")));
        Assert.Equal([far], await IdsAsync("Patient", ("birthdate", "ap1950-01-02")));
    }

    [SkippableFact]
    public async Task Text_and_content_match_whole_words_and_phrases_of_the_narrative_or_all_text()
    {
        var (noted, plain) = (NewId(), NewId());
        var patient = Patient(noted, "Chalmers");
        patient.Text = new Narrative { Status = Narrative.NarrativeStatus.Generated, Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">Heart-rate monitoring for <b>Ådam</b></div>" };
        await CommitAsync(patient, Patient(plain, "Heartwood"));
        Assert.Equal([noted], await IdsAsync("Patient", ("_text", "heart")));
        Assert.Equal([noted], await IdsAsync("Patient", ("_text", "heart-rate")));
        Assert.Equal([noted], await IdsAsync("Patient", ("_text", "MONITORING adam")));
        Assert.Empty(await IdsAsync("Patient", ("_text", "rate-heart")));
        Assert.Empty(await IdsAsync("Patient", ("_text", "monitor")));
        Assert.Empty(await IdsAsync("Patient", ("_text", "chalmers")));
        Assert.Empty(await IdsAsync("Patient", ("_text", "--")));
        Assert.Equal([noted], await IdsAsync("Patient", ("_content", "chalmers heart")));
        Assert.Equal([noted], await IdsAsync("Patient", ("_content", "heart --")));
        Assert.Equal([plain], await IdsAsync("Patient", ("_content", "heartwood")));
        Assert.Equal([noted], await IdsAsync("Patient", ("_content", "generated")));
    }

    [SkippableFact]
    public async Task Sort_by_string_date_and_several_keys_orders_by_lowest_or_highest_value_with_missing_last_across_pages()
    {
        var ids = Ids(6);
        Patient Person(int i, string? birth, params string[] families)
        {
            var p = Patient(ids[i], families[0]);
            p.Name = families.Select(f => new HumanName { Family = f }).ToList();
            p.BirthDate = birth;
            return p;
        }
        // Written in index order, so lastUpdated rises with the index too.
        await CommitAsync(
            Person(0, "1990", "Young"), Person(1, "1950-03-01", "Adams", "Zeta"), Person(2, null, "Baker"),
            Person(3, "1970-06-15", "Carter"), Person(4, "1950-03-01", "Abbott"), Person(5, "1970-06", "Baker"));
        int[] Order(params int[] order) => order;
        async Task Expect(int[] order, int count, string sort) =>
            Assert.Equal(order.Select(i => ids[i]).ToList(), await PagesAsync("Patient", count, ("_sort", sort)));
        // family: the lowest name ascending (1 has Adams and Zeta), the highest descending.
        await Expect(Order(4, 1, 2, 5, 3, 0), 2, "family");
        await Expect(Order(1, 0, 3, 2, 5, 4), 2, "-family");
        // birthdate: 1970-06 starts before 1970-06-15 and ends after it; a resource without one comes last either way.
        await Expect(Order(1, 4, 5, 3, 0, 2), 2, "birthdate");
        await Expect(Order(0, 5, 3, 1, 4, 2), 4, "-birthdate");
        // Several keys: later keys order the ties of earlier ones, values before none.
        await Expect(Order(4, 1, 5, 3, 0, 2), 1, "birthdate,family");
        await Expect(Order(1, 4, 5, 3, 0, 2), 2, "birthdate,-family");
        await Expect(Order(4, 1, 5, 2, 3, 0), 1, "family,birthdate");
        await Expect(Order(4, 1, 5, 3, 0, 2), 3, "birthdate,-_lastUpdated");
    }

    [SkippableFact]
    public async Task Sorted_pages_follow_the_cursor_so_later_writes_before_it_shift_nothing()
    {
        var ids = Ids(7);
        Patient Person(int i, string family, string? birth)
        {
            var p = Patient(ids[i], family);
            p.BirthDate = birth;
            return p;
        }
        await CommitAsync(Person(0, "Same", "2001"), Person(1, "Same", "2003"), Person(2, "Same", "2002"), Person(3, "Same", null),
            Person(4, "Same", "2003"), Person(5, "Other", "1990"), Person(6, "Zed", "1990"));
        var query = Query("Patient", ("_sort", "family,-birthdate"), ("_count", "2"));
        var first = await Store.SearchAsync(query, None);
        Assert.Equal([ids[5], ids[1]], first.Entries.Select(e => e.Key.Id));
        // Both sort before the cursor: one ahead of everything, one ahead of the cursor's own family.
        var newest = Patient(NewId(), "Same");
        newest.BirthDate = "2005";
        await CommitAsync(Patient(NewId(), "Aaron"), newest);
        var rest = new List<string>();
        var cursor = first.NextCursor;
        while (cursor is not null)
        {
            var page = await Store.SearchAsync(query with { Cursor = cursor }, None);
            rest.AddRange(page.Entries.Select(e => e.Key.Id));
            cursor = page.NextCursor;
        }
        Assert.Equal([ids[4], ids[2], ids[0], ids[3], ids[6]], rest);
    }

    [SkippableFact]
    public async Task Sort_by_token_number_quantity_reference_and_uri_pages_in_the_same_order()
    {
        var o = Ids(5);
        var twoCodes = Measured(o[1], new Quantity(120m, "mg", Ucum), "1111-1");
        twoCodes.Code.Coding.Add(new Coding("http://loinc.org", "9999-9"));
        var noSubject = Measured(o[4], new Quantity(-3m, "mg", Ucum), "0000-0");
        noSubject.Subject = null;
        var noValue = Observation(o[2], "c", "2222-2");
        var first = Measured(o[0], new Quantity(5m, "mg", Ucum), "3333-3");
        first.Subject = new ResourceReference("Patient/b");
        var third = Measured(o[3], new Quantity(500m, "mg", Ucum), "2222-2");
        twoCodes.Subject = third.Subject = new ResourceReference("Patient/a");
        await CommitAsync(first, twoCodes, noValue, third, noSubject);
        async Task Expect(int[] order, int count, string sort) =>
            Assert.Equal(order.Select(i => o[i]).ToList(), await PagesAsync("Observation", count, ("_sort", sort)));
        await Expect([4, 1, 2, 3, 0], 2, "code");
        await Expect([1, 0, 2, 3, 4], 2, "-code");
        await Expect([4, 0, 1, 3, 2], 2, "value-quantity");
        await Expect([3, 1, 0, 4, 2], 3, "-value-quantity");
        await Expect([1, 3, 0, 2, 4], 2, "subject");
        await Expect([3, 1, 0, 2, 4], 1, "subject,-value-quantity");
        await Expect([2, 0, 1, 3, 4], 2, "-subject,code");

        var r = Ids(3);
        var unknown = Risk(r[2], new FhirDecimal(0.1m));
        unknown.Prediction = [];
        await CommitAsync(Risk(r[0], new FhirDecimal(0.5m)), Risk(r[1], new FhirDecimal(0.25m)), unknown);
        Assert.Equal([r[1], r[0], r[2]], await PagesAsync("RiskAssessment", 1, ("_sort", "probability")));
        Assert.Equal([r[0], r[1], r[2]], await PagesAsync("RiskAssessment", 2, ("_sort", "-probability")));

        var v = Ids(3);
        ValueSet Set(string id, string? url) => new() { Id = id, Url = url, Status = PublicationStatus.Active };
        await CommitAsync(Set(v[0], "http://b.org/vs"), Set(v[1], "http://a.org/vs"), Set(v[2], null));
        Assert.Equal([v[1], v[0], v[2]], await PagesAsync("ValueSet", 2, ("_sort", "url")));
        Assert.Equal([v[0], v[1], v[2]], await PagesAsync("ValueSet", 2, ("_sort", "-url")));
    }
}
