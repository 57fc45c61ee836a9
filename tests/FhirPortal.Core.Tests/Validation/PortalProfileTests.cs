using System.Text.Json.Nodes;
using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>Each portal profile: its valid instance passes, and each rule's minimal violation fails at the element.</summary>
public sealed class PortalProfileTests
{
    private static readonly string Long = new('x', 65);

    private static readonly Dictionary<string, (string Profile, Action<JsonObject> Break, string Expression)> Rules = new()
    {
        ["Patient needs an MRN identifier"] = ("portal-patient", r => r.Remove("identifier"), "Patient.identifier"),
        ["Patient identifier without type MR is no MRN"] = ("portal-patient", r => r["identifier"]![0]!["type"]!["coding"]![0]!["code"] = "SS", "Patient.identifier"),
        ["Patient MRN needs a system"] = ("portal-patient", r => r["identifier"]![0]!.AsObject().Remove("system"), "Patient.identifier[0].system"),
        ["Patient MRN value is at most 64 characters"] = ("portal-patient", r => r["identifier"]![0]!["value"] = Long, "Patient.identifier[0].value"),
        ["Patient needs a name"] = ("portal-patient", r => r.Remove("name"), "Patient.name"),
        ["Patient needs a gender"] = ("portal-patient", r => r.Remove("gender"), "Patient.gender"),
        ["Patient needs a birthDate"] = ("portal-patient", r => r.Remove("birthDate"), "Patient.birthDate"),
        ["Observation needs a category"] = ("portal-observation", r => r.Remove("category"), "Observation.category"),
        ["Observation code coding needs a system"] = ("portal-observation", r => r["code"]!["coding"]![0]!.AsObject().Remove("system"), "Observation.code.coding[0].system"),
        ["Observation needs a subject"] = ("portal-observation", r => r.Remove("subject"), "Observation.subject"),
        ["Observation subject is a Patient"] = ("portal-observation", r => r["subject"] = new JsonObject { ["reference"] = "Group/g1" }, "Observation.subject"),
        ["Observation needs effective"] = ("portal-observation", r => r.Remove("effectiveDateTime"), "Observation.effective"),
        ["Observation effective is dateTime or Period"] = ("portal-observation", r => { r.Remove("effectiveDateTime"); r["effectiveInstant"] = "2024-01-01T00:00:00Z"; }, "Observation.effective"),
        ["Observation status is from the portal ValueSet"] = ("portal-observation", r => r["status"] = "unknown", "Observation.status"),
        ["Observation needs a value or a reason"] = ("portal-observation", r => r.Remove("valueString"), "Observation"),
        ["Vital signs have category vital-signs"] = ("portal-observation-vitalsigns", r => r["category"]![0]!["coding"]![0]!["code"] = "laboratory", "Observation.category"),
        ["Vital signs value is a Quantity"] = ("portal-observation-vitalsigns", r => { r.Remove("valueQuantity"); r["valueString"] = "72"; }, "Observation.value"),
        ["Vital signs units are UCUM"] = ("portal-observation-vitalsigns", r => r["valueQuantity"]!["system"] = "http://example.org/units", "Observation.value.ofType(Quantity).system"),
        ["Vital signs keep the base Observation rules"] = ("portal-observation-vitalsigns", r => r.Remove("subject"), "Observation.subject"),
        ["Laboratory results have category laboratory"] = ("portal-observation-laboratory", r => r["category"]![0]!["coding"]![0]!["code"] = "vital-signs", "Observation.category"),
        ["Booked appointment needs an end"] = ("portal-appointment", r => r.Remove("end"), "Appointment"),
        ["Appointment needs a patient participant"] = ("portal-appointment", r => r["participant"]!.AsArray().RemoveAt(0), "Appointment"),
        ["Appointment ends after it starts"] = ("portal-appointment", r => r["end"] = "2024-05-01T08:00:00Z", "Appointment"),
        ["MedicationRequest needs authoredOn"] = ("portal-medicationrequest", r => r.Remove("authoredOn"), "MedicationRequest.authoredOn"),
        ["MedicationRequest subject is a Patient"] = ("portal-medicationrequest", r => r["subject"] = new JsonObject { ["reference"] = "Group/g1" }, "MedicationRequest.subject"),
        ["MedicationRequest medication reference is a Medication"] = ("portal-medicationrequest", r => { r.Remove("medicationCodeableConcept"); r["medicationReference"] = new JsonObject { ["reference"] = "Substance/s1" }; }, "MedicationRequest.medication"),
        ["Communication category is from the portal CodeSystem"] = ("portal-communication", r => r["category"]![0]!["coding"]![0]!["code"] = "spam", "Communication.category[0]"),
        ["Communication needs a sender"] = ("portal-communication", r => r.Remove("sender"), "Communication.sender"),
        ["Communication needs a recipient"] = ("portal-communication", r => r.Remove("recipient"), "Communication.recipient"),
        ["Communication needs a payload"] = ("portal-communication", r => r.Remove("payload"), "Communication.payload"),
        ["Claim with items states its total"] = ("portal-claim", r => r.Remove("total"), "Claim"),
        ["Claim patient is a Patient"] = ("portal-claim", r => r["patient"] = new JsonObject { ["reference"] = "Group/g1" }, "Claim.patient"),
        ["Slot ends after it starts"] = ("portal-slot", r => r["end"] = "2024-05-01T08:00:00Z", "Slot"),
        ["Schedule needs a planning horizon"] = ("portal-schedule", r => r.Remove("planningHorizon"), "Schedule.planningHorizon"),
        ["Schedule actor is a practitioner, role, location or service"] = ("portal-schedule", r => r["actor"]![0]!["reference"] = "Patient/p1", "Schedule.actor[0]"),
        ["Coverage subscriberId is at most 64 characters"] = ("portal-coverage", r => r["subscriberId"] = Long, "Coverage.subscriberId"),
        ["Coverage beneficiary is a Patient"] = ("portal-coverage", r => r["beneficiary"] = new JsonObject { ["reference"] = "Group/g1" }, "Coverage.beneficiary"),
        ["QuestionnaireResponse needs authored"] = ("portal-questionnaireresponse", r => r.Remove("authored"), "QuestionnaireResponse.authored"),
        ["QuestionnaireResponse needs a subject"] = ("portal-questionnaireresponse", r => r.Remove("subject"), "QuestionnaireResponse.subject"),
        ["DocumentReference needs a date"] = ("portal-documentreference", r => r.Remove("date"), "DocumentReference.date"),
        ["DocumentReference content has a media type"] = ("portal-documentreference", r => r["content"]![0]!["attachment"]!.AsObject().Remove("contentType"), "DocumentReference.content[0].attachment.contentType"),
        ["Base model: Observation needs a status"] = ("portal-observation", r => r.Remove("status"), "Observation.status"),
    };

    public static TheoryData<string> Profiles() => [.. PortalInstances.Valid.Keys];
    public static TheoryData<string> RuleNames() => [.. Rules.Keys];

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Valid_instance_of_each_profile_has_no_errors(string profile)
    {
        var outcome = ValidatorFactory.Profiles.Validate(ValidatorFactory.Parse(PortalInstances.Valid[profile]), [], asWrite: false);
        Assert.Empty(ValidatorFactory.Errors(outcome).Select(i => $"{i.Expression.FirstOrDefault()}: {i.Diagnostics}"));
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Each_rule_violation_is_an_error_at_the_element(string rule)
    {
        var (profile, breakIt, expression) = Rules[rule];
        var json = JsonNode.Parse(PortalInstances.Valid[profile])!.AsObject();
        breakIt(json);
        var outcome = ValidatorFactory.Profiles.Validate(ValidatorFactory.Parse(json.ToJsonString()), [], asWrite: false);
        var errors = ValidatorFactory.Errors(outcome);
        Assert.True(errors.Any(i => i.Expression.Contains(expression)),
            $"expected an error at {expression}; got: {string.Join(" | ", outcome.Issue.Select(i => $"{i.Severity} {i.Expression.FirstOrDefault()}: {i.Diagnostics}"))}");
    }

    [Fact]
    public void Required_profile_applies_to_writes_without_a_claim()
    {
        var validator = ValidatorFactory.Create(new ValidationSettings(ValidationSettings.ParseRequired("Patient"), UnknownProfilePolicy.Warn));
        var patient = new Patient { Name = [new HumanName { Family = "Doe" }] };
        var error = Assert.Throws<FhirOutcomeException>(() => validator.EnsureValid(patient));
        Assert.Equal(422, error.Status);
        Assert.Contains(error.Outcome.Issue, i => i.Expression.Contains("Patient.birthDate"));
        Assert.Empty(ValidatorFactory.Errors(validator.Validate(patient, [], asWrite: false)));
    }

    [Theory]
    [InlineData(UnknownProfilePolicy.Warn, OperationOutcome.IssueSeverity.Warning)]
    [InlineData(UnknownProfilePolicy.Reject, OperationOutcome.IssueSeverity.Error)]
    public void Unknown_claimed_profile_follows_the_policy(UnknownProfilePolicy policy, OperationOutcome.IssueSeverity severity)
    {
        var validator = ValidatorFactory.Create(new ValidationSettings(new Dictionary<string, string>(), policy));
        var patient = new Patient { Meta = new Meta { Profile = ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"] } };
        var issue = Assert.Single(validator.Validate(patient, [], asWrite: false).Issue);
        Assert.Equal(severity, issue.Severity);
        Assert.Equal("Patient.meta.profile", issue.Expression.Single());
    }
}
