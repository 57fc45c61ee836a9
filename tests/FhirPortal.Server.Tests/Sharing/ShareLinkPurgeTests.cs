using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Sharing;
using FhirPortal.Server.Tests.Audit;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Sharing;

/// <summary>
/// The purge of ended share links on a fake clock: links that expired or were revoked more than PurgeAfter (30 days)
/// ago are removed for good, once, by one of several purgers racing; newer ended links stay listed; active links keep
/// their state but lose expired file locations.
/// </summary>
public sealed class ShareLinkPurgeTests
{
    private const string PurgeSubtype = "https://fhirportal.dev/CodeSystem/share-link-event|purge";

    [Fact]
    public async System.Threading.Tasks.Task Links_ended_more_than_30_days_ago_are_removed_once_by_racing_purgers_and_the_rest_kept()
    {
        using var data = new PurgeHost(purge: false);
        var patient = data.PatientApp("p1");
        var old = await data.CreateAsync(patient, "p1", TimeSpan.FromHours(1), "expired 31 days ago");
        var recent = await data.CreateAsync(patient, "p1", TimeSpan.FromDays(2) + TimeSpan.FromHours(1), "expired 29 days ago");
        var active = await data.CreateAsync(patient, "p1", TimeSpan.FromDays(60), "active");
        var revoked = await data.CreateAsync(patient, "p1", TimeSpan.FromDays(60), "revoked 31 days ago");
        Assert.Equal(HttpStatusCode.OK, (await patient.PostAsync("Patient/p1/$share-link-revoke", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Parameters", ["parameter"] = new JsonArray(new JsonObject { ["name"] = "id", ["valueString"] = revoked.Id }),
        }))).StatusCode);
        // The active link hands out a file location that expires (FileLifetime, 1 hour) without being fetched.
        var manifest = await data.ManifestAsync(active.Payload, new JsonObject { ["recipient"] = "Clinic", ["embeddedLengthMax"] = 10 });
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        data.Clock.Advance(TimeSpan.FromDays(31) + TimeSpan.FromHours(1));

        // Two instances purge at once: each link is removed (and audited) by exactly one of them.
        var purged = await System.Threading.Tasks.Task.WhenAll(data.NewPurger().PurgeAsync(CancellationToken.None), data.NewPurger().PurgeAsync(CancellationToken.None));
        Assert.Equal(2, purged.Sum());
        Assert.Equal(0, await data.NewPurger().PurgeAsync(CancellationToken.None));

        Assert.Equal(HttpStatusCode.NotFound, (await data.ManifestAsync(old.Payload, new JsonObject { ["recipient"] = "late" })).StatusCode);
        var links = await PurgeHost.LinksAsync(patient, "p1");
        Assert.Equal(["active", "expired 29 days ago"], links.Select(l => l["label"]).Order());
        Assert.Equal("expired", links.Single(l => l["id"] == recent.Id)["status"]);
        Assert.Equal(("active", "1"), (links.Single(l => l["id"] == active.Id)["status"], links.Single(l => l["id"] == active.Id)["uses"]));
        var store = data.Host.Services.GetRequiredService<IResourceStore>();
        Assert.Null(await store.ReadJobAsync(old.Id, CancellationToken.None));
        Assert.Empty(await store.ListJobsByKindPrefixAsync("share-link-revoked:", CancellationToken.None));
        Assert.Empty((await new ShareLinkStore(store, NullLogger<ShareLinkStore>.Instance).ReadAsync(active.Id, CancellationToken.None))!.Tickets);

        // One AuditEvent per batch names each removed link once, by id only: nothing of it is in the patient's log.
        var audits = await data.PurgeAuditsAsync(data.Host.Admin());
        Assert.Equal(new[] { old.Id, revoked.Id }.Order(), audits.SelectMany(a => a.Entity).Select(e => e.What?.Identifier?.Value).Order());
        Assert.All(audits.SelectMany(a => a.Entity), e => Assert.Null(e.What?.Reference));
        Assert.Empty(await data.PurgeAuditsAsync(patient));
    }

    [Fact]
    public async System.Threading.Tasks.Task The_background_purge_removes_a_link_once_its_grace_period_passed()
    {
        using var data = new PurgeHost(purge: true);
        var patient = data.PatientApp("p2");
        var link = await data.CreateAsync(patient, "p2", TimeSpan.FromHours(1), "short");
        data.Clock.Advance(TimeSpan.FromDays(29));
        Assert.Equal("expired", Assert.Single(await PurgeHost.LinksAsync(patient, "p2"))["status"]);

        // Each step passes the purge interval (1 hour here), so the worker wakes whenever it started waiting.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await PurgeHost.LinksAsync(patient, "p2")).Count > 0)
        {
            Assert.True(DateTime.UtcNow < until, "The background purge did not remove the link in time.");
            data.Clock.Advance(TimeSpan.FromHours(1));
            await System.Threading.Tasks.Task.Delay(100);
        }
        Assert.True(data.Clock.GetUtcNow() - link.Expires >= TimeSpan.FromDays(30));
        Assert.Equal(HttpStatusCode.NotFound, (await data.ManifestAsync(link.Payload, new JsonObject { ["recipient"] = "late" })).StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_purger_held_after_listing_while_another_purged_removes_and_audits_nothing()
    {
        using var data = new PurgeHost(purge: false);
        var patient = data.PatientApp("p1");
        var expired = await data.CreateAsync(patient, "p1", TimeSpan.FromHours(1), "expired");
        var revoked = await data.CreateAsync(patient, "p1", TimeSpan.FromDays(60), "revoked");
        await data.RevokeAsync(patient, "p1", revoked.Id);
        data.Clock.Advance(TimeSpan.FromDays(31));

        // Purger A lists everything (links and revocations), then waits until B has purged it all.
        var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = HookedStore.Wrap(data.Store, after: async (method, args) =>
        {
            if (method != nameof(IResourceStore.ListJobsByKindPrefixAsync) || (string)args[0]! != "share-link-revoked:") return;
            listed.TrySetResult();
            await release.Task;
        });
        var a = data.NewPurger(held).PurgeAsync(CancellationToken.None);
        await listed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, await data.NewPurger().PurgeAsync(CancellationToken.None));
        release.SetResult();

        Assert.Equal(0, await a);
        var audit = Assert.Single(await data.PurgeAuditsAsync(data.Host.Admin()));
        Assert.Equal(new[] { expired.Id, revoked.Id }.Order(), audit.Entity.Select(e => e.What?.Identifier?.Value).Order());
        Assert.Empty(await data.Store.ListJobsByKindPrefixAsync("share-link", CancellationToken.None));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_purge_that_stops_partway_still_audits_what_it_removed_and_the_next_run_finishes()
    {
        using var data = new PurgeHost(purge: false);
        var patient = data.PatientApp("p2");
        var first = await data.CreateAsync(patient, "p2", TimeSpan.FromDays(60), "revoked");
        var second = await data.CreateAsync(patient, "p2", TimeSpan.FromDays(60), "revoked too");
        await data.RevokeAsync(patient, "p2", first.Id);
        await data.RevokeAsync(patient, "p2", second.Id);
        // A record no version of this server can read is skipped (logged), never stops the purge of the others.
        await data.Store.SaveJobAsync(new JobRecord("unreadable", "share-link:p2", "not json"), CancellationToken.None);
        await data.Store.SaveJobAsync(new JobRecord("unreadable:revoked", "share-link-revoked:p2", "{}"), CancellationToken.None);
        data.Clock.Advance(TimeSpan.FromDays(31));

        // Every revocation delete fails (after its link record is gone), and so does the second link delete.
        var linkDeletes = 0;
        var failing = HookedStore.Wrap(data.Store, before: (method, args) =>
            method != nameof(IResourceStore.DeleteJobAsync) ? System.Threading.Tasks.Task.CompletedTask
            : ((string)args[0]!).EndsWith(":revoked", StringComparison.Ordinal) || ++linkDeletes == 2
                ? throw new InvalidOperationException("store error") : System.Threading.Tasks.Task.CompletedTask);
        await Assert.ThrowsAsync<InvalidOperationException>(() => data.NewPurger(failing).PurgeAsync(CancellationToken.None));
        var audited = Assert.Single(await data.PurgeAuditsAsync(data.Host.Admin())).Entity.Select(e => e.What?.Identifier?.Value).ToList();
        Assert.Single(audited);

        // The next run removes the other link and the revocation record the failed delete left behind (a lone revocation).
        Assert.Equal(1, await data.NewPurger().PurgeAsync(CancellationToken.None));
        Assert.Equal(new[] { first.Id, second.Id }.Order(),
            (await data.PurgeAuditsAsync(data.Host.Admin())).SelectMany(a => a.Entity).Select(e => e.What?.Identifier?.Value).Order());
        Assert.Equal(["unreadable", "unreadable:revoked"], (await data.Store.ListJobsByKindPrefixAsync("share-link", CancellationToken.None)).Select(j => j.Id));
    }

    [Theory]
    [InlineData("00:00:00", false)]
    [InlineData("00:59:59", false)]
    [InlineData("01:00:00", true)]
    public void PurgeAfter_is_at_least_an_hour(string purgeAfter, bool valid)
    {
        var options = new ShareLinkOptions { PurgeAfter = TimeSpan.Parse(purgeAfter, System.Globalization.CultureInfo.InvariantCulture) };
        Assert.Equal(valid, System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
            options, new System.ComponentModel.DataAnnotations.ValidationContext(options), null, validateAllProperties: true));
    }

    /// <summary>A secured, audited host on a fake clock (like <see cref="ShareLinkData"/>) with the background purge on or off.</summary>
    private sealed class PurgeHost : IDisposable
    {
        public PurgeHost(bool purge)
        {
            Clock = new FakeTimeProvider(new DateTimeOffset(2030, 5, 6, 9, 0, 0, TimeSpan.Zero));
            Host = AuditHost.Create(settings: new()
            {
                ["FhirPortal:ShareLinks:Purge"] = purge.ToString(),
                ["FhirPortal:ShareLinks:PurgeInterval"] = "01:00:00",
            }, services: s => s.AddSingleton<TimeProvider>(Clock));
            AuditHost.SeedAsync(Host).GetAwaiter().GetResult();
        }

        public FakeTimeProvider Clock { get; }
        public FhirPortalHost Host { get; }

        public HttpClient PatientApp(string patient) =>
            Host.Client("patient/*.rs", "portal-app", patient: patient, fhirUser: $"http://localhost/fhir/Patient/{patient}");

        public IResourceStore Store => Host.Services.GetRequiredService<IResourceStore>();

        /// <summary>A purger as another instance would run it: its own link store over the same database (or over <paramref name="store"/>).</summary>
        public ShareLinkPurge NewPurger(IResourceStore? store = null)
        {
            var services = Host.Services;
            return new ShareLinkPurge(new ShareLinkStore(store ?? Store, NullLogger<ShareLinkStore>.Instance), services.GetRequiredService<CreateInteraction>(),
                services.GetRequiredService<CallerContext>(), services.GetRequiredService<ShareLinkOptions>(), Clock, NullLogger<ShareLinkPurge>.Instance);
        }

        public async Task RevokeAsync(HttpClient patient, string patientId, string id) =>
            Assert.Equal(HttpStatusCode.OK, (await patient.PostAsync($"Patient/{patientId}/$share-link-revoke", Fhir.Body(new JsonObject
            {
                ["resourceType"] = "Parameters", ["parameter"] = new JsonArray(new JsonObject { ["name"] = "id", ["valueString"] = id }),
            }))).StatusCode);

        public async Task<(string Id, JsonObject Payload, DateTimeOffset Expires)> CreateAsync(HttpClient patient, string patientId, TimeSpan expiresIn, string label)
        {
            var expires = Clock.GetUtcNow() + expiresIn;
            var response = await ShareLinkData.CreateAsync(patient, patientId, ("expires", "valueInstant", expires.ToString("yyyy-MM-ddTHH:mm:ssZ")), ("label", "valueString", label));
            var created = await response.ReadJsonAsync();
            return (ShareLinkData.Links(created).Single()["id"], ShareLinkData.Payload((string)created["parameter"]![0]!["valueString"]!), expires);
        }

        public Task<HttpResponseMessage> ManifestAsync(JsonObject payload, JsonObject request) =>
            Host.CreateClient().PostAsJsonAsync(new Uri((string)payload["url"]!).PathAndQuery, request);

        public static async Task<List<Dictionary<string, string>>> LinksAsync(HttpClient patient, string patientId) =>
            ShareLinkData.Links(await (await patient.GetAsync($"Patient/{patientId}/$share-links")).ReadJsonAsync());

        /// <summary>The purge's AuditEvents this client may see.</summary>
        public async Task<List<AuditEvent>> PurgeAuditsAsync(HttpClient client)
        {
            var response = await client.GetAsync($"AuditEvent?subtype={Uri.EscapeDataString(PurgeSubtype)}&_count=100");
            response.EnsureSuccessStatusCode();
            var bundle = (Bundle)FhirParser.ParseStored(await response.Content.ReadAsByteArrayAsync());
            return [.. bundle.Entry.Select(e => e.Resource).OfType<AuditEvent>()];
        }

        public void Dispose() => Host.Dispose();
    }
}
