using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// One topic the server offers: its canonical URL, the resource types it watches, whether a write (previous version,
/// new version) triggers it, and the patient a focus resource belongs to (the <c>patient</c> filter).
/// </summary>
public sealed record SubscriptionTopic(string Url, string Title, string Description, IReadOnlyList<string> ResourceTypes,
    Func<Resource?, Resource, bool> Triggers, string TriggerDescription);

/// <summary>The topics of this server (R4 has no SubscriptionTopic resource: topics are canonical URLs, published as Basic).</summary>
public static class SubscriptionTopics
{
    public const string UrlBase = "http://fhirportal.org/fhir/SubscriptionTopic/";

    public static readonly SubscriptionTopic PatientResult = new(UrlBase + "patient-result", "New or changed result",
        "A patient's DiagnosticReport, or laboratory Observation, is final, amended (or appended) or corrected.",
        ["DiagnosticReport", "Observation"], (_, after) => IsResult(after),
        "DiagnosticReport, or Observation of category laboratory, written with status final, amended, appended or corrected.");

    public static readonly SubscriptionTopic PatientMessage = new(UrlBase + "patient-message", "New message",
        "A new Communication names the patient as a recipient.",
        ["Communication"], (before, after) => before is null && after is Communication c && RecipientPatients(c).Any(),
        "Communication created with a Patient among its recipients.");

    public static readonly SubscriptionTopic AppointmentBookedCancelled = new(UrlBase + "appointment-booked-cancelled", "Appointment booked or cancelled",
        "A patient's Appointment becomes booked or cancelled.",
        ["Appointment"], (before, after) => after is Appointment a && a.Status is Appointment.AppointmentStatus.Booked or Appointment.AppointmentStatus.Cancelled
                                            && (before as Appointment)?.Status != a.Status,
        "Appointment whose status changes to booked or cancelled (or is created so).");

    public static IReadOnlyList<SubscriptionTopic> All { get; } = [PatientResult, PatientMessage, AppointmentBookedCancelled];

    /// <summary>The filter parameters every topic supports (R5 SubscriptionTopic.canFilterBy).</summary>
    public static readonly string[] FilterParameters = ["patient"];

    public static SubscriptionTopic? Find(string? url) => All.FirstOrDefault(t => t.Url == url);

    /// <summary>The patients a focus resource belongs to, as <c>Patient/id</c>.</summary>
    public static IEnumerable<string> Patients(Resource focus) => focus switch
    {
        Observation o => Patient(o.Subject),
        DiagnosticReport d => Patient(d.Subject),
        Communication c => RecipientPatients(c),
        Appointment a => a.Participant.SelectMany(p => Patient(p.Actor)),
        _ => [],
    };

    private static bool IsResult(Resource resource) => Notifications.ReleasedResults.IsReleased(resource);

    private static IEnumerable<string> RecipientPatients(Communication c) => c.Recipient.SelectMany(Patient);

    private static IEnumerable<string> Patient(ResourceReference? reference) =>
        reference?.Reference is { } r && r.StartsWith("Patient/", StringComparison.Ordinal) ? [r] : [];

    /// <summary>
    /// A topic as an R4 Basic resource in the cross-version shape (extensions <c>http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.*</c>),
    /// so clients can read what a topic watches and how to filter it.
    /// </summary>
    public static Basic AsBasic(SubscriptionTopic topic)
    {
        const string x = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.";
        var basic = new Basic
        {
            Id = "topic-" + topic.Url[UrlBase.Length..],
            Code = new CodeableConcept("http://hl7.org/fhir/fhir-types", "SubscriptionTopic"),
            Extension =
            [
                new Extension(x + "url", new FhirUri(topic.Url)),
                new Extension(x + "title", new FhirString(topic.Title)),
                new Extension(x + "status", new Code("active")),
                new Extension(x + "description", new Markdown(topic.Description)),
            ],
        };
        foreach (var type in topic.ResourceTypes)
            basic.Extension.Add(new Extension
            {
                Url = x + "resourceTrigger",
                Extension =
                [
                    new Extension("description", new Markdown(topic.TriggerDescription)),
                    new Extension("resource", new FhirUri("http://hl7.org/fhir/StructureDefinition/" + type)),
                    new Extension("supportedInteraction", new Code("create")),
                    new Extension("supportedInteraction", new Code("update")),
                ],
            });
        foreach (var type in topic.ResourceTypes)
            basic.Extension.Add(new Extension
            {
                Url = x + "canFilterBy",
                Extension =
                [
                    new Extension("description", new Markdown("The patient the resource belongs to (Patient/[id]).")),
                    new Extension("resource", new FhirUri(type)),
                    new Extension("filterParameter", new FhirString("patient")),
                ],
            });
        return basic;
    }
}
