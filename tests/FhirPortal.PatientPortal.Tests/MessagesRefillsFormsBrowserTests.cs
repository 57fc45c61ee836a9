using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.TestSupport.Browser;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>
/// The demo patient's secure messages, refill requests and forms in headless Chromium, in one signed-in session; the
/// care team's side (prescription, form assignment, replies, refill progress) is written through the server's API by a
/// backend client (<see cref="StaffApi"/>). Every new page passes axe-core and is photographed.
/// </summary>
public sealed class MessagesRefillsFormsBrowserTests(ITestOutputHelper output)
{
    private const string Patient = "Patient/demo-patient", TaskCodes = "http://fhirportal.org/fhir/CodeSystem/portal-task";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Patient_messages_the_care_team_with_an_attachment_requests_a_refill_and_completes_a_form()
    {
        var (playwright, browser) = await HeadlessChromium.LaunchAsync(Timeout);
        using var _ = playwright;
        await using var __ = browser;
        await using var hosts = PortalTestHosts.Start(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        using var staff = await StaffApi.ConnectAsync(hosts);
        // One browser context: its pages share the signed-in session (the second tab of the refill flow).
        await using var context = await browser.NewContextAsync(new() { AcceptDownloads = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        var log = new ConcurrentQueue<string>();
        page.PageError += (_, error) => log.Enqueue($"page error: {error}");
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) log.Enqueue($"navigated: {frame.Url}"); };
        try
        {
            var doctor = await PrimaryCarePhysicianAsync(staff);
            await PortalSignIn.SignInAsync(page, hosts);
            await MessagesAsync(page, staff, doctor);
            await RefillsAsync(page, context, staff, doctor);
            await FormsAsync(page, staff);
        }
        catch (Exception)
        {
            output.WriteLine($"URL: {page.Url}");
            foreach (var line in log) output.WriteLine(line);
            foreach (var entry in hosts.PortalLog.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning))
                output.WriteLine($"portal {entry.Level} {entry.Category}: {entry.Message}");
            output.WriteLine("HTML:");
            output.WriteLine(await page.ContentAsync());
            throw;
        }
    }

    /// <summary>
    /// A file type the server refuses is explained; a message with a text file reaches the thread and downloads as sent;
    /// the doctor's reply is marked unread, opening the thread shows it new without changing it, "Mark as read" (a POST) marks it read on the server, and the patient replies.
    /// </summary>
    private static async Task MessagesAsync(IPage page, StaffApi staff, string doctor)
    {
        await page.ClickAsync("nav >> text=Messages");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Messages");
        await PageChecks.CheckAsync(page, "messages");
        await page.SelectOptionAsync("#recipient", doctor);
        await page.FillAsync("#topic", "Dizzy in the mornings");
        await page.FillAsync("#text", "Since the visit I have been dizzy in the mornings. My blood pressure log is attached.");
        await page.SetInputFilesAsync("#attachment", new FilePayload { Name = "log.zip", MimeType = "application/zip", Buffer = [0x50, 0x4b, 3, 4] });
        await page.ClickAsync("#compose button[type=submit]");
        await Expect(page.Locator("#message-error")).ToContainTextAsync("cannot be attached");

        var attachment = Encoding.UTF8.GetBytes("Mon 142/91\nTue 138/88\n");
        await page.SetInputFilesAsync("#attachment", new FilePayload { Name = "bp-log.txt", MimeType = "text/plain", Buffer = attachment });
        await page.ClickAsync("#compose button[type=submit]");
        await Expect(page.Locator("#message-status")).ToHaveTextAsync("Your message was sent.");
        await Expect(page.Locator("#messages li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#messages li").First).ToContainTextAsync("dizzy in the mornings");
        var sentId = await page.Locator("#messages li").First.GetAttributeAsync("data-id");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("a:text('Download bp-log.txt')"));
        Assert.Equal("bp-log.txt", download.SuggestedFilename);
        Assert.Equal(attachment, await File.ReadAllBytesAsync((await download.PathAsync())!));
        var sent = await staff.GetAsync($"Communication/{sentId}");
        Assert.Equal(doctor, (string?)sent["recipient"]![0]!["reference"]);
        Assert.StartsWith("Binary/", (string?)sent["payload"]![1]!["contentAttachment"]!["url"]);

        // The doctor answers (the care team's system writes the reply); the thread shows it unread.
        var reply = await staff.CreateAsync(new JsonObject
        {
            ["resourceType"] = "Communication",
            ["meta"] = new JsonObject { ["profile"] = new JsonArray("http://fhirportal.org/fhir/StructureDefinition/portal-communication") },
            ["status"] = "completed",
            ["subject"] = new JsonObject { ["reference"] = Patient },
            ["sender"] = new JsonObject { ["reference"] = doctor },
            ["recipient"] = new JsonArray(new JsonObject { ["reference"] = Patient }),
            ["inResponseTo"] = new JsonArray(new JsonObject { ["reference"] = $"Communication/{sentId}" }),
            ["partOf"] = new JsonArray(new JsonObject { ["reference"] = $"Communication/{sentId}" }),
            ["sent"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["payload"] = new JsonArray(new JsonObject { ["contentString"] = "Please take your readings before breakfast for a week." }),
        });
        await page.ClickAsync("nav >> text=Messages");
        var thread = page.Locator($"#threads li[data-id='{sentId}']");
        await Expect(page.Locator("#threads li").First).ToHaveAttributeAsync("data-id", sentId!); // newest first
        await Expect(thread.Locator(".status-unread")).ToHaveTextAsync("1 unread");
        await thread.Locator("a").ClickAsync();
        await Expect(page.Locator($"#messages li[data-id='{reply["id"]}'] .status-new")).ToHaveTextAsync("New");
        Assert.Null((await staff.GetAsync($"Communication/{reply["id"]}"))["received"]); // opening (a GET) changes nothing
        await PageChecks.CheckAsync(page, "message-thread");
        await page.ClickAsync("#mark-read button");
        await Expect(page.Locator("#mark-read")).ToHaveCountAsync(0);
        Assert.NotNull((await staff.GetAsync($"Communication/{reply["id"]}"))["received"]);

        await page.FillAsync("#text", "Thank you, I will.");
        await page.ClickAsync("#reply button[type=submit]");
        await Expect(page.Locator("#message-status")).ToHaveTextAsync("Your reply was sent.");
        await Expect(page.Locator("#messages li")).ToHaveCountAsync(3);
        await Expect(page.Locator("#messages li").Last).ToContainTextAsync("Thank you, I will.");
        var replies = await staff.SearchAsync($"Communication?part-of=Communication/{sentId}&sender={Patient}");
        Assert.Equal($"Communication/{reply["id"]}", (string?)Assert.Single(replies)["inResponseTo"]![0]!["reference"]);
        await page.ClickAsync("nav >> text=Messages");
        await Expect(page.Locator($"#threads li[data-id='{sentId}'] .status-unread")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// A refill is requested and shows "requested"; the same request from a second tab shows the server's "already
    /// requested" answer (409); the pharmacy's progress (status, businessStatus) and the history show on the page.
    /// </summary>
    private static async Task RefillsAsync(IPage page, IBrowserContext context, StaffApi staff, string doctor)
    {
        var prescription = await staff.CreateAsync(new JsonObject
        {
            ["resourceType"] = "MedicationRequest",
            ["status"] = "active",
            ["intent"] = "order",
            ["medicationCodeableConcept"] = new JsonObject { ["text"] = "Lisinopril 10 mg tablet" },
            ["subject"] = new JsonObject { ["reference"] = Patient },
            ["authoredOn"] = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["requester"] = new JsonObject { ["reference"] = doctor },
            ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = "One tablet every morning" }),
            ["dispenseRequest"] = new JsonObject { ["numberOfRepeatsAllowed"] = 3 },
        });
        var id = (string)prescription["id"]!;
        await page.ClickAsync("nav >> text=Medications");
        var row = page.Locator($"#current-medications tr[data-id='{id}']");
        await Expect(row.Locator("button")).ToHaveTextAsync("Request refill");
        var second = await context.NewPageAsync(); // the same page left open in another tab
        await second.GotoAsync(page.Url);

        await row.Locator("button").ClickAsync();
        await Expect(page.Locator("#refill-message")).ToContainTextAsync("Your refill was requested");
        await Expect(row.Locator(".refill-status")).ToHaveTextAsync("requested");
        await second.Locator($"#current-medications tr[data-id='{id}'] button").ClickAsync();
        await Expect(second.Locator("#refill-error")).ToContainTextAsync("already requested");
        await Expect(second.Locator("#refill-error")).ToContainTextAsync("already has an open refill request");
        await second.CloseAsync();
        var task = Assert.Single(await staff.SearchAsync($"Task?focus=MedicationRequest/{id}"));
        Assert.Equal("requested", (string?)task["status"]);

        // The pharmacy accepts it and says it is ready for pickup: the page shows both.
        task["status"] = "accepted";
        task["businessStatus"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = TaskCodes, ["code"] = "ready-for-pickup" }) };
        await staff.UpdateAsync(task);
        await page.ClickAsync("nav >> text=Medications");
        await Expect(row.Locator(".refill-status")).ToHaveTextAsync("accepted: ready for pickup");
        var history = page.Locator($"details.refill-history[data-id='{id}']");
        await history.Locator("summary").ClickAsync();
        await Expect(history.Locator($"li.refill-request[data-id='{task["id"]}']")).ToContainTextAsync("accepted: ready for pickup");
        await PageChecks.CheckAsync(page, "medications-refill");
    }

    /// <summary>
    /// An assigned form opens pre-filled from the record ($populate), is saved as a draft (in-progress), is refused on
    /// submit while a required answer is missing (the server's issue shows at the item), then is submitted: the Task is completed.
    /// </summary>
    private static async Task FormsAsync(IPage page, StaffApi staff)
    {
        await staff.UpdateAsync(JsonNode.Parse("""
            { "resourceType": "Questionnaire", "id": "previsit-portal", "url": "http://example.org/Questionnaire/previsit-portal",
              "version": "1", "status": "active", "title": "Before your visit",
              "item": [
                { "linkId": "birth-date", "text": "Date of birth", "type": "date",
                  "definition": "http://hl7.org/fhir/StructureDefinition/Patient#Patient.birthDate" },
                { "linkId": "reason", "text": "What is the reason for your visit?", "type": "text", "required": true },
                { "linkId": "smoker", "text": "Do you smoke?", "type": "boolean", "required": true },
                { "linkId": "cigarettes", "text": "Cigarettes a day", "type": "integer",
                  "enableWhen": [ { "question": "smoker", "operator": "=", "answerBoolean": true } ] },
                { "linkId": "weight", "text": "Weight (kg)", "type": "decimal" },
                { "linkId": "pain", "text": "Pain today", "type": "choice", "required": true,
                  "answerOption": [
                    { "valueCoding": { "system": "http://example.org/pain", "code": "none", "display": "None" } },
                    { "valueCoding": { "system": "http://example.org/pain", "code": "mild", "display": "Mild" } },
                    { "valueCoding": { "system": "http://example.org/pain", "code": "severe", "display": "Severe" } } ] },
                { "linkId": "allergies", "text": "Allergies", "type": "group",
                  "item": [ { "linkId": "allergy", "text": "Allergy", "type": "string", "repeats": true } ] } ] }
            """)!);
        var assignment = await staff.CreateAsync(new JsonObject
        {
            ["resourceType"] = "Task",
            ["status"] = "requested",
            ["intent"] = "order",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = TaskCodes, ["code"] = "complete-questionnaire" }) },
            ["focus"] = new JsonObject { ["reference"] = "Questionnaire/previsit-portal" },
            ["for"] = new JsonObject { ["reference"] = Patient },
            ["authoredOn"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        });
        var taskId = (string)assignment["id"]!;
        var birthDate = (string?)(await staff.GetAsync("Patient/demo-patient"))["birthDate"];

        await page.ClickAsync("nav >> text=Forms");
        var listed = page.Locator($"#open-forms li[data-id='{taskId}']");
        await Expect(listed.Locator(".form-status")).ToHaveTextAsync("requested");
        await PageChecks.CheckAsync(page, "forms");
        await listed.Locator("a").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Before your visit");
        await Expect(page.Locator("#form-prefilled")).ToBeVisibleAsync();
        Assert.Equal(birthDate, await page.InputValueAsync("#q-0"));

        // Draft: saved in-progress on the server, shown again when the form is reopened.
        await page.FillAsync("#q-1", "Check-up of my blood pressure");
        await page.CheckAsync("#q-2-option-0"); // smoker: Yes
        await page.FillAsync("#q-3", "4");
        await page.ClickAsync("#save-draft");
        await Expect(page.Locator("#form-message")).ToContainTextAsync("Your draft was saved");
        await Expect(page.Locator("#q-3")).ToHaveValueAsync("4");
        var draft = Assert.Single(await staff.SearchAsync($"QuestionnaireResponse?subject={Patient}&status=in-progress"),
            r => (string?)r["basedOn"]?[0]?["reference"] == $"Task/{taskId}");

        // Submitting without the required pain answer: the server's issue is shown at that question.
        await page.FillAsync("#q-4", "81.5");
        await page.FillAsync("#q-6-0", "Penicillin");
        await page.ClickAsync("#submit-form");
        await Expect(page.Locator("[data-link-id='pain'] .field-error")).ToContainTextAsync("required");
        await Expect(page.Locator("[data-link-id='pain'] input").First).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#q-4")).ToHaveValueAsync("81.5");
        await PageChecks.CheckAsync(page, "form");

        await page.CheckAsync("#q-5-option-1"); // pain: Mild
        await page.ClickAsync("#submit-form");
        await Expect(page.Locator("#form-message")).ToContainTextAsync("Before your visit");
        await Expect(page.Locator($"#done-forms li[data-id='{taskId}'] .form-status")).ToHaveTextAsync("completed");
        var task = await staff.GetAsync($"Task/{taskId}");
        Assert.Equal("completed", (string?)task["status"]);
        var response = await staff.GetAsync((string)task["output"]![0]!["valueReference"]!["reference"]!);
        Assert.Equal("completed", (string?)response["status"]);
        Assert.Equal((string?)draft["id"], (string?)response["id"]); // the draft became the submitted response
        var answers = response["item"]!.AsArray().ToDictionary(i => (string)i!["linkId"]!, i => i!);
        Assert.Equal(4, (int)answers["cigarettes"]["answer"]![0]!["valueInteger"]!);
        Assert.Equal("mild", (string?)answers["pain"]["answer"]![0]!["valueCoding"]!["code"]);
        Assert.Equal("Penicillin", (string?)answers["allergies"]["item"]![0]!["answer"]![0]!["valueString"]);

        // A focus on another host is no form of this server: not found, and the patient's token is never sent there.
        using var elsewhere = new TcpListener(IPAddress.Loopback, 0);
        elsewhere.Start();
        var foreign = await staff.CreateAsync(new JsonObject
        {
            ["resourceType"] = "Task", ["status"] = "requested", ["intent"] = "order",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = TaskCodes, ["code"] = "complete-questionnaire" }) },
            ["focus"] = new JsonObject { ["reference"] = $"http://127.0.0.1:{((IPEndPoint)elsewhere.LocalEndpoint).Port}/fhir/Questionnaire/previsit-portal" },
            ["for"] = new JsonObject { ["reference"] = Patient },
        });
        // Through the context's request API (same cookies): Chromium turns an empty 404 page into a navigation error.
        var opened = await page.Context.APIRequest.GetAsync(new Uri(new Uri(page.Url), "/Forms/" + (string)foreign["id"]!).ToString());
        Assert.Equal(404, opened.Status);
        Assert.False(elsewhere.Pending());
    }

    /// <summary>The demo patient's primary care physician: the Practitioner on their CareTeam.</summary>
    private static async Task<string> PrimaryCarePhysicianAsync(StaffApi staff)
    {
        var team = (await staff.SearchAsync($"CareTeam?subject={Patient}&status=active")).First();
        return team["participant"]!.AsArray().Select(p => (string?)p!["member"]?["reference"]).First(r => r?.StartsWith("Practitioner/", StringComparison.Ordinal) == true)!;
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
