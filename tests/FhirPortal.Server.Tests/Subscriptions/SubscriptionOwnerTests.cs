using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FhirPortal.Core.Subscriptions;
using FhirPortal.Server.Tests.Access;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// Subscriptions belong to who wrote them: a patient's app (or patient user) reads, updates and deletes only those its
/// patient side wrote, not a staff subscription filtered to the same patient; staff see theirs and, with user/ scopes,
/// the patient's too. Each client and user may have at most MaxPerOwner requested or active subscriptions (422 beyond).
/// </summary>
public sealed class SubscriptionOwnerTests : IAsyncLifetime
{
    private static readonly string Results = SubscriptionTopics.PatientResult.Url;
    private HookListener _hook = null!;

    public async Task InitializeAsync() => _hook = await HookListener.StartAsync();

    public async Task DisposeAsync() => await _hook.DisposeAsync();

    [Theory]
    [InlineData("patient/Subscription.cruds patient/Observation.rs", "p1", null)]
    [InlineData("user/Subscription.cruds user/Observation.rs", null, "Patient/p1")]
    public async Task A_patient_reaches_only_the_subscriptions_its_side_wrote_not_a_staff_one_for_the_same_patient(string scopes, string? patient, string? fhirUser)
    {
        using var data = new SubscriptionData(secured: true);
        var app = data.Host.ClientWith(scopes, patient, fhirUser);
        var staff = data.Host.ClientWith("user/Subscription.cruds user/Observation.rs", fhirUser: "Practitioner/dr1");
        var own = await SubscriptionData.SubscribeAsync(app, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        var staffs = await SubscriptionData.SubscribeAsync(staff, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));

        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{own}")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{staffs}")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{staffs}/$events")).StatusCode);
        Assert.Equal([own], await IdsAsync(app, "Subscription"));
        Assert.Equal(new[] { own, staffs }.Order(), (await IdsAsync(staff, "Subscription")).Order());

        var staffVersion = (await (await staff.GetAsync($"Subscription/{staffs}")).ReadJsonAsync()).AsObject();
        staffVersion["reason"] = "taken over";
        var update = await app.PutAsync($"Subscription/{staffs}", Fhir.Body(staffVersion));
        Assert.Equal(HttpStatusCode.Forbidden, update.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await update.ReadJsonAsync())["resourceType"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.DeleteAsync($"Subscription/{staffs}")).StatusCode);
        Assert.Equal("test", (string?)(await data.ReadAsync($"Subscription/{staffs}"))["reason"]);

        // Its own: a fresh body without the server's owner extensions is accepted, and so is the delete.
        var mine = SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1");
        mine["id"] = own;
        mine["reason"] = "renamed";
        Assert.Equal(HttpStatusCode.OK, (await app.PutAsync($"Subscription/{own}", Fhir.Body(mine))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync($"Subscription/{own}")).StatusCode);
        Assert.True((await app.DeleteAsync($"Subscription/{own}")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync($"Subscription/{staffs}")).StatusCode);
    }

    [Fact]
    public async Task The_next_subscription_over_the_owner_cap_is_422_until_one_is_turned_off()
    {
        using var data = new SubscriptionData(secured: true, new Dictionary<string, string?> { ["FhirPortal:Subscriptions:MaxPerOwner"] = "2" });
        const string scopes = "patient/Subscription.cruds patient/Observation.rs";
        var app = data.Host.ClientWith(scopes, patient: "p1");
        JsonObject New() => SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1");
        var first = await SubscriptionData.SubscribeAsync(app, New());
        var second = await SubscriptionData.SubscribeAsync(app, New());

        var refused = await app.PostAsync("Subscription", Fhir.Body(New()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var outcome = await refused.ReadJsonAsync();
        Assert.Equal("business-rule", (string?)outcome["issue"]![0]!["code"]);
        Assert.Contains("MaxPerOwner", (string?)outcome["issue"]![0]!["diagnostics"]);

        // An update of one it has does not count itself; another app of the same patient has its own allowance.
        var again = New();
        again["id"] = second;
        Assert.Equal(HttpStatusCode.OK, (await app.PutAsync($"Subscription/{second}", Fhir.Body(again))).StatusCode);
        var otherApp = data.Host.CreateFhirClient();
        otherApp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokenHandler.Token(scopes, "p1", clientId: "other-app"));
        await SubscriptionData.SubscribeAsync(otherApp, New());

        var off = New();
        off["id"] = first;
        off["status"] = "off";
        Assert.Equal(HttpStatusCode.OK, (await app.PutAsync($"Subscription/{first}", Fhir.Body(off))).StatusCode);
        await SubscriptionData.SubscribeAsync(app, New());
    }

    [Fact]
    public async Task A_staff_subscription_stored_before_owners_were_stamped_is_not_the_patients_after_the_start_up_upgrade()
    {
        using var data = new SubscriptionData(secured: true);
        var app = data.Host.ClientWith("patient/Subscription.cruds patient/Observation.rs", "p1");
        var staff = data.Host.ClientWith("user/Subscription.cruds user/Observation.rs", fhirUser: "Practitioner/dr1");
        var staffs = await SubscriptionData.SubscribeAsync(staff, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        // As the earlier release stored it: the creator recorded, no owned-by / owner-client.
        await data.RewriteStoredAsync(await data.ReadAsync($"Subscription/{staffs}"), r =>
        {
            r.RemoveExtension(SubscriptionOwnerSearch.OwnedByExtension);
            r.RemoveExtension(SubscriptionOwnerSearch.OwnerClientExtension);
        });
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{staffs}")).StatusCode);

        Assert.Equal(1, await data.Host.Services.GetRequiredService<SubscriptionOwnerUpgrade>().RunAsync(CancellationToken.None));

        Assert.NotEqual(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{staffs}")).StatusCode);
        Assert.Empty(await IdsAsync(app, "Subscription"));
        Assert.Equal(HttpStatusCode.Forbidden, (await app.DeleteAsync($"Subscription/{staffs}")).StatusCode);
        Assert.Equal([staffs], await IdsAsync(staff, "Subscription?owned-by=Practitioner/dr1"));
        Assert.Equal(0, await data.Host.Services.GetRequiredService<SubscriptionOwnerUpgrade>().RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_clinicians_app_launched_for_a_patient_owns_its_subscriptions_as_the_clinician_not_as_the_patient()
    {
        using var data = new SubscriptionData(secured: true);
        const string scopes = "patient/Subscription.cruds patient/Observation.rs";
        var ehr = data.Host.ClientWith(scopes, "p1", "Practitioner/dr1");
        var app = data.Host.ClientWith(scopes, "p1");
        var clinicians = await SubscriptionData.SubscribeAsync(ehr, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        var patients = await SubscriptionData.SubscribeAsync(app, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));

        Assert.Equal([clinicians], await IdsAsync(ehr, "Subscription"));
        Assert.Equal([patients], await IdsAsync(app, "Subscription"));
        Assert.NotEqual(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{clinicians}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ehr.GetAsync($"Subscription/{clinicians}")).StatusCode);
        Assert.Equal([clinicians], await IdsAsync(data.Client, "Subscription?owned-by=Practitioner/dr1"));
    }

    [Theory]
    [InlineData(2, HttpStatusCode.OK)]
    [InlineData(3, HttpStatusCode.UnprocessableEntity)]
    [InlineData(6, HttpStatusCode.UnprocessableEntity)]
    public async Task A_transaction_cannot_create_more_subscriptions_than_the_owner_cap(int creates, HttpStatusCode expected)
    {
        using var data = new SubscriptionData(secured: true, new Dictionary<string, string?> { ["FhirPortal:Subscriptions:MaxPerOwner"] = "2" });
        var app = data.Host.ClientWith("patient/Subscription.cruds patient/Observation.rs", patient: "p1");
        var entries = new JsonArray();
        for (var i = 0; i < creates; i++)
            entries.Add(new JsonObject
            {
                ["fullUrl"] = $"urn:uuid:{Guid.NewGuid()}",
                ["resource"] = SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"),
                ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Subscription" },
            });
        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries };

        var response = await app.PostAsync("", Fhir.Body(bundle));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK ? creates : 0, (await IdsAsync(data.Client, "Subscription")).Count);
    }

    private static async Task<List<string>> IdsAsync(HttpClient client, string query) =>
        [.. (await (await client.GetAsync(query)).ReadJsonAsync())["entry"]?.AsArray().Select(e => (string)e!["resource"]!["id"]!) ?? []];
}
