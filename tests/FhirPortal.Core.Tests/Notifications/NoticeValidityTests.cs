using FhirPortal.Core.Notifications;
using FhirPortal.Core.Tests.Validation;
using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace FhirPortal.Core.Tests.Notifications;

/// <summary>
/// The outbox stages its notices without validating them (<see cref="NoticeOutbox.StageAsync"/>): every kind of
/// notice it builds must therefore conform to portal-communication, whatever the category and channel.
/// </summary>
public sealed class NoticeValidityTests
{
    private const string Profile = ValidationSettings.PortalProfileBase + "portal-communication";
    private static readonly DateTimeOffset Now = new(2030, 3, 4, 8, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, Patient?> Patients = new()
    {
        ["unknown patient (no channel)"] = null,
        ["patient without email or mobile"] = new Patient { Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Home, "+1 555 0100")] },
        ["patient with email"] = new Patient { Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "p1@example.org")] },
        ["patient with mobile"] = new Patient { Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Mobile, "+1 555 0101")] },
    };

    public static TheoryData<string, string, string?> Cases()
    {
        var data = new TheoryData<string, string, string?>();
        foreach (var category in new[] { "appointment", "general", "results", "billing" })
            foreach (var patient in Patients.Keys)
                foreach (var sender in new[] { null, "Organization/clinic" })
                    data.Add(category, patient, sender);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_notice_conforms_to_portal_communication(string category, string patient, string? sender)
    {
        var outbox = new NoticeOutbox(Options.Create(new NotificationOptions { SenderReference = sender }));
        var notice = new Notice("p1", category, new ResourceReference("Appointment/a1"), "Appointment booked",
            "Your appointment on Monday 4 March 2030 at 09:00 (+00:00) has been booked.", $"appointment-booked/a1/1/p1", NotBefore: Now.AddHours(1));

        var outcome = ValidatorFactory.Profiles.Validate(outbox.Build(notice, Patients[patient], Now), [Profile], asWrite: false);

        Assert.Empty(ValidatorFactory.Errors(outcome).Select(i => $"{i.Expression.FirstOrDefault()}: {i.Diagnostics}"));
    }

    [Fact]
    public void A_notice_broken_by_hand_fails_the_same_check()
    {
        var outbox = new NoticeOutbox(Options.Create(new NotificationOptions()));
        var communication = outbox.Build(new Notice("p1", "appointment", new ResourceReference("Appointment/a1"), "s", "t", "k"), null, Now);
        communication.Payload.Clear();

        var outcome = ValidatorFactory.Profiles.Validate(communication, [Profile], asWrite: false);

        Assert.Contains(ValidatorFactory.Errors(outcome), i => i.Expression.Contains("Communication.payload"));
    }
}
