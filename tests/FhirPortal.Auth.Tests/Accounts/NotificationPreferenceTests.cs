using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.Auth.Data;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Notifications;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// Per-kind notice preferences (/auth/account/notifications) as the dispatcher applies them: a patient with an account
/// gets texts only at a number an account verified, else email; "none" ends the notice not-done; STOP from the page.
/// </summary>
public sealed class NotificationPreferenceTests
{
    private const string Page = "auth/account/notifications";
    private const string Email = SignInHarness.PatientEmail;

    // Quiet hours off (start = end), so texts go whatever the time of day the test runs.
    private static readonly Dictionary<string, string?> NoQuietHours = new()
    {
        ["FhirPortal:Notifications:QuietHoursStart"] = "00:00:00",
        ["FhirPortal:Notifications:QuietHoursEnd"] = "00:00:00",
    };

    private static Dictionary<string, string> Choices(string reminders = "auto", string results = "auto", string messages = "auto", string billing = "auto") => new()
    {
        ["Choice[reminders]"] = reminders, ["Choice[results]"] = results, ["Choice[messages]"] = messages, ["Choice[billing]"] = billing,
    };

    [Theory]
    // Patient/p1 has accounts (ada, pat); its record prefers the mobile number (rank 1) over email (rank 2).
    [InlineData("p1", false, null, "sms-to-email", "email")]           // no verified number: email, though the record prefers texts
    [InlineData("p1", true, null, "text", "sms")]                      // verified: the record's preference holds
    [InlineData("p1", true, "email", "email", "email")]
    [InlineData("p1", false, "sms", "sms-to-email", "email")]          // chose texts, number not verified (any more): email
    [InlineData("p1", true, "none", "nothing", null)]
    // Patient/p2 has no account: Patient.telecom decides, as before accounts existed (no way to verify a number).
    [InlineData("p2", false, null, "text", "sms")]
    public async Task The_dispatcher_applies_the_patients_choice_and_texts_only_verified_numbers(string patient, bool verified, string? choice, string outcome, string? medium)
    {
        await using var inbox = await TextInbox.StartAsync(twilio: true, NoQuietHours);
        await PatientWithContactsAsync(inbox, patient);
        if (verified) await inbox.ArrangeNumberAsync(SignInHarness.PatientName);
        if (choice is not null) await ChooseAsync(inbox, patient, NoticeKinds.Messages, choice);

        await MessageToAsync(inbox, patient);
        await DispatchAsync(inbox);

        var notice = Assert.Single(await NoticesAsync(inbox, patient));
        var texts = inbox.Texts().Where(t => !t.Body.Contains("code")).ToList();
        var mails = inbox.Accounts.Smart.MailFiles().Select(f => MimeKit.MimeMessage.Load(f))
            .Where(m => m.TextBody?.Contains("new message") == true).Select(m => m.To.ToString()).ToList();
        switch (outcome)
        {
            case "text":
                Assert.Equal(TextInbox.Number, NoticeChannels.E164(Assert.Single(texts).To));
                Assert.Empty(mails);
                break;
            case "email" or "sms-to-email":
                Assert.Empty(texts);
                Assert.Contains(Email, Assert.Single(mails));
                break;
            default:
                Assert.Empty(texts);
                Assert.Empty(mails);
                break;
        }
        if (medium is null)
        {
            Assert.Equal("not-done", (string?)notice["status"]);
            Assert.Contains("patient preference", (string?)notice["statusReason"]?["text"]);
        }
        else
        {
            Assert.Equal("completed", (string?)notice["status"]);
            Assert.Equal(medium == "sms" ? "SMSWRIT" : "EMAILWRIT", (string?)notice["medium"]![0]!["coding"]![0]!["code"]);
        }
    }

    [Fact]
    public async Task The_page_saves_a_choice_per_kind_and_audits_it()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.PatientName);
        var home = await (await browser.GetAsync("auth/account")).Content.ReadAsStringAsync();
        Assert.Contains("href=\"/auth/account/notifications\"", home);

        var page = await (await browser.GetAsync(Page)).Content.ReadAsStringAsync();
        Assert.Contains("href=\"/auth/account/phone\"", page); // no verified number: texts point there
        Assert.Matches("id=\"choice-results-sms\"[^>]*disabled", page);

        var saved = await SignInHarness.SubmitAsync(browser, Page, Choices(results: "none", billing: "email"), "Save");
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(new Dictionary<string, string> { ["billing"] = "email", ["results"] = "none" }, await StoredAsync(inbox, "p1"));
        var shown = await (await browser.GetAsync(Page)).Content.ReadAsStringAsync();
        Assert.Matches("id=\"choice-results-none\"[^>]*checked", shown);
        Assert.Matches("id=\"choice-reminders-auto\"[^>]*checked", shown);
        Assert.Contains(await inbox.Accounts.AuditEventsAsync(SignInHarness.PatientName), a => SignInHarness.Subtype(a) == "notification-preferences");

        // Back to automatic drops the stored choice.
        await SignInHarness.SubmitAsync(browser, Page, Choices(billing: "email"), "Save");
        Assert.Equal(new Dictionary<string, string> { ["billing"] = "email" }, await StoredAsync(inbox, "p1"));
    }

    [Theory]
    [InlineData("sms")]      // no verified number
    [InlineData("fax")]      // not a channel
    public async Task The_page_refuses_a_channel_the_account_cannot_have(string channel)
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.PatientName);
        var refused = await SignInHarness.SubmitAsync(browser, Page, Choices(reminders: channel), "Save");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Empty(await StoredAsync(inbox, "p1"));
    }

    [Fact]
    public async Task Texts_can_be_chosen_once_verified_and_the_page_opt_out_stops_them_like_STOP()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: true, NoQuietHours);
        await PatientWithContactsAsync(inbox, "p1");
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.PatientName);
        await inbox.ArrangeNumberAsync(SignInHarness.PatientName);
        Assert.Equal(HttpStatusCode.OK, (await SignInHarness.SubmitAsync(browser, Page, Choices(messages: "sms"), "Save")).StatusCode);

        var stopped = await SignInHarness.SubmitAsync(browser, Page, handler: "OptOut");
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.Contains(await inbox.Accounts.AuditEventsAsync(SignInHarness.PatientName), a => SignInHarness.Subtype(a) == "sms-opt-out");
        var record = JsonNode.Parse(await inbox.Accounts.Smart.Api.GetStringAsync("fhir/Patient/p1"))!;
        Assert.Contains(SmsOptOut.OptOutExtension, record["telecom"]!.ToJsonString());

        var before = inbox.Texts().Count;
        await MessageToAsync(inbox, "p1");
        await DispatchAsync(inbox);
        Assert.Equal(before, inbox.Texts().Count);
        var notice = Assert.Single(await NoticesAsync(inbox, "p1"));
        Assert.Equal("EMAILWRIT", (string?)notice["medium"]![0]!["coding"]![0]!["code"]);
    }

    /// <summary>The patient with an email (rank 2) and the test mobile number as people write it (rank 1).</summary>
    private static Task PatientWithContactsAsync(TextInbox inbox, string id) => WriteAsync(inbox, "Patient", id, $$"""
        {"resourceType":"Patient","id":"{{id}}","name":[{"family":"Lovelace"}],"telecom":[
          {"system":"email","value":"{{Email}}","rank":2},
          {"system":"phone","use":"mobile","value":"+1 201-555-0123","rank":1}]}
        """);

    /// <summary>A care-team message to the patient: queues one "new message" notice.</summary>
    private static Task MessageToAsync(TextInbox inbox, string patient) => WriteAsync(inbox, "Communication", "m-" + patient, $$"""
        {"resourceType":"Communication","id":"m-{{patient}}","status":"completed","sender":{"reference":"Practitioner/dr1"},
         "recipient":[{"reference":"Patient/{{patient}}"}],"payload":[{"contentString":"See you soon"}]}
        """);

    private static async Task WriteAsync(TextInbox inbox, string type, string id, string json)
    {
        using var scope = inbox.Accounts.Smart.Host.Services.CreateScope();
        var services = scope.ServiceProvider;
        using var _ = services.GetRequiredService<CallerContext>().Use(Caller.Server);
        await services.GetRequiredService<UpdateInteraction>().UpdateAsync(new ResourceKey(type, id),
            services.GetRequiredService<FhirParser>().ParseJson(Encoding.UTF8.GetBytes(json)), null, CancellationToken.None);
    }

    private static Task ChooseAsync(TextInbox inbox, string patient, string kind, string channel) => WithDbAsync(inbox, async db =>
    {
        db.NoticePreferences.Add(new NoticePreference { PatientId = patient, Kind = kind, Channel = channel, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return true;
    });

    private static Task<Dictionary<string, string>> StoredAsync(TextInbox inbox, string patient) => WithDbAsync(inbox, db =>
        Task.FromResult(db.NoticePreferences.Where(p => p.PatientId == patient).ToDictionary(p => p.Kind, p => p.Channel)));

    private static async Task<T> WithDbAsync<T>(TextInbox inbox, Func<AuthDbContext, Task<T>> action)
    {
        using var scope = inbox.Accounts.Smart.Host.Services.CreateScope();
        return await action(scope.ServiceProvider.GetRequiredService<AuthDbContext>());
    }

    private static Task<int> DispatchAsync(TextInbox inbox) =>
        inbox.Accounts.Smart.Host.Services.GetRequiredService<NotificationDispatcher>().RunOnceAsync(CancellationToken.None);

    private static async Task<List<JsonNode>> NoticesAsync(TextInbox inbox, string patient)
    {
        var bundle = JsonNode.Parse(await inbox.Accounts.Smart.Api.GetStringAsync(
            $"fhir/Communication?identifier={NoticeOutbox.IdentifierSystem}|&recipient=Patient/{patient}"))!;
        return bundle["entry"]?.AsArray().Select(e => e!["resource"]!).ToList() ?? [];
    }
}
