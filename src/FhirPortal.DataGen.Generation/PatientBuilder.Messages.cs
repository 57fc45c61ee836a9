using System.Text;
using Hl7.Fhir.Model;
using static FhirPortal.DataGen.Generation.Codes;

namespace FhirPortal.DataGen.Generation;

internal sealed partial class PatientBuilder
{
    private static readonly Dictionary<string, (string Topic, string[] Lines)> Threads = new()
    {
        ["results"] = ("Your lab results", ["Your lab results from today's visit are ready; I attached a summary.", "Thank you! Is there anything I should change?", "Everything looks stable. Keep taking your medications as prescribed and we will recheck at your next visit."]),
        ["general"] = ("Question after my visit", ["Since the visit I have been a bit dizzy in the mornings. Is that expected?", "Some dizziness can happen with blood pressure medicine. Please stand up slowly and measure your blood pressure for a week.", "Will do, thanks."]),
        ["refill"] = ("Refill request", ["I am running low on my prescription. Could you renew it?", "I have sent a new prescription to your pharmacy. Please book a follow-up visit for next month."]),
        ["appointment"] = ("Upcoming appointment", ["Do I need to fast before my upcoming appointment?", "Yes, please do not eat for 8 hours before your appointment; water is fine."]),
        ["billing"] = ("Question about my bill", ["I received a statement for my last visit. Why do I owe this amount?", "The amount is your plan's coinsurance for the visit. You can pay it online or call us to set up a payment plan."]),
    };

    /// <summary>
    /// A conversation about <paramref name="about"/>: the patient writes to the care team, the primary care physician
    /// answers; each message answers the previous one (inResponseTo). A results thread's first message carries a summary attachment.
    /// </summary>
    private void AddThread(DateOnly day, DateTimeOffset after, GeneratedEntry about, string category)
    {
        var (topic, lines) = Threads[category];
        var fromClinic = category == "results";
        var sent = after.AddHours(_random.Between(2, 20));
        GeneratedEntry? previous = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var byClinic = fromClinic == (i % 2 == 0);
            if (sent >= Time.At(AsOf, 0, 0)) break; // nothing is sent after "today" began
            var payload = new List<Communication.PayloadComponent> { new() { Content = new FhirString(lines[i]) } };
            if (i == 0 && category == "results") payload.Add(new Communication.PayloadComponent { Content = ResultsAttachment(day, about) });
            var message = new Communication
            {
                Meta = Profile("portal-communication"),
                Status = EventStatus.Completed,
                Category = [Concept(MessageCategory, category, char.ToUpperInvariant(category[0]) + category[1..])],
                Priority = RequestPriority.Routine,
                Subject = PatientRef,
                Topic = new CodeableConcept { Text = topic },
                About = [about.Reference()],
                InResponseTo = previous is null ? [] : [previous.Reference()],
                Sent = Time.Text(sent),
                Received = Time.Text(sent.AddMinutes(1)),
                Sender = byClinic ? SharedData.Role(_pcp) : PatientRef,
                Recipient = byClinic ? [PatientRef] : [_careTeam.Reference(), SharedData.Role(_pcp)],
                Payload = payload,
            };
            if (about.Resource is Encounter) message.Encounter = about.Reference();
            previous = Add(message);
            sent = sent.AddHours(_random.Between(1, 48));
        }
    }

    private void AddRefillThread(Prescription prescription, DateTimeOffset when)
    {
        if (DateOnly.FromDateTime(when.UtcDateTime) < AsOf) AddThread(DateOnly.FromDateTime(when.UtcDateTime), when, prescription.Request, "refill");
    }

    /// <summary>A plain-text summary of the visit's results, as the clinic would attach it.</summary>
    private Attachment ResultsAttachment(DateOnly day, GeneratedEntry encounter)
    {
        var text = new StringBuilder($"Results summary for {_patientName}, visit of {Time.Date(day)}\n");
        foreach (var entry in _entries)
            if (entry.Resource is Observation { Value: Quantity q } o && o.Encounter?.Reference == encounter.FullUrl)
                text.Append($"{o.Code.Coding[0].Display}: {q.Value} {q.Unit}\n");
        var data = Encoding.UTF8.GetBytes(text.ToString());
        return new Attachment { ContentType = "text/plain; charset=utf-8", Language = "en-US", Data = data, Title = $"results-{Time.Date(day)}.txt", Creation = Time.Date(day) };
    }
}
