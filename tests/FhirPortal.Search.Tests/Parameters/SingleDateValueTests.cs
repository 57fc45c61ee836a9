using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

/// <summary>Which date parameters have at most one indexed value per resource (a store may then test bounds on that one value).</summary>
public sealed class SingleDateValueTests
{
    private static readonly SearchParameterRegistry Registry = SearchParameterRegistry.CreateDefault();

    [Theory]
    [InlineData("Slot", "start", true)]                 // instant
    [InlineData("Appointment", "date", true)]           // Appointment.start
    [InlineData("Encounter", "date", true)]             // one Period
    [InlineData("Patient", "birthdate", true)]
    [InlineData("Schedule", "date", true)]              // planningHorizon
    [InlineData("Observation", "date", false)]          // effective[x] may be a Timing: a value per event
    [InlineData("Patient", "death-date", true)]         // (deceased as dateTime)
    [InlineData("Condition", "onset-date", false)]      // a union of onset[x] casts
    [InlineData("Slot", "identifier", false)]           // not a date
    public void Single_valued_date_parameters_are_known_from_the_expression(string type, string name, bool single)
    {
        Assert.True(Registry.TryGet(type, name, out var parameter));
        Assert.Equal(single, parameter.SingleDateValue);
    }

    [Theory]
    [InlineData("Appointment.start | Appointment.end", false)]
    [InlineData("Appointment.participant.period", false)]    // participant repeats
    [InlineData("Appointment.requestedPeriod", false)]       // repeats
    [InlineData("Appointment.start.where(true)", false)]     // not a plain path
    [InlineData("Appointment.created", true)]
    public void Custom_expressions_are_single_valued_only_as_plain_paths_of_non_repeating_elements(string expression, bool single)
    {
        var parameter = new SearchParameterInfo("Appointment", "x", "http://example.org/x", SearchParamType.Date, expression, []);
        Assert.Equal(single, parameter.SingleDateValue);
    }
}
