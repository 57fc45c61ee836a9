using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Subscriptions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using FhirPortal.Server.Tests.Access;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// A host on a fake clock whose subscriptions may call loopback (AllowPrivateAddresses, as only tests set it), with the
/// delivery rounds run by hand (<see cref="DeliverAsync"/>), and builders for backport subscriptions and lab results.
/// </summary>
public sealed class SubscriptionData : IDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 3, 4, 8, 0, 0, TimeSpan.Zero);

    public SubscriptionData(bool secured = false, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Clock = new FakeTimeProvider(Start);
        var all = new Dictionary<string, string?>
        {
            ["FhirPortal:Subscriptions:AllowPrivateAddresses"] = "true",
            ["FhirPortal:Subscriptions:RetryDelay"] = "00:01:00",
            ["FhirPortal:Subscriptions:MaxAttempts"] = "3",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        Host = secured
            ? AccessHost.Create(all, s => { s.AddSingleton<TimeProvider>(Clock); services?.Invoke(s); })
            : new FhirPortalHost(settings: all) { TestServices = s => { s.AddSingleton<TimeProvider>(Clock); services?.Invoke(s); } };
        Client = secured ? Host.SystemClient() : Host.CreateFhirClient();
    }

    public FakeTimeProvider Clock { get; }
    public FhirPortalHost Host { get; }

    /// <summary>Security off, or a system/*.cruds client on a secured host.</summary>
    public HttpClient Client { get; }

    public void Dispose() => Host.Dispose();

    public Task<int> DeliverAsync() => Host.Services.GetRequiredService<SubscriptionDelivery>().RunOnceAsync(CancellationToken.None);

    /// <summary>A backport rest-hook subscription to <paramref name="topic"/> with the given filters.</summary>
    public static JsonObject Subscription(string endpoint, string topic, string? content = null, params string[] filters)
    {
        var subscription = new JsonObject
        {
            ["resourceType"] = "Subscription",
            ["status"] = "requested",
            ["reason"] = "test",
            ["criteria"] = topic,
            ["channel"] = new JsonObject
            {
                ["type"] = "rest-hook",
                ["endpoint"] = endpoint,
                ["payload"] = "application/fhir+json",
                ["header"] = new JsonArray("Authorization: Bearer hook-secret"),
            },
        };
        if (filters.Length > 0)
            subscription["_criteria"] = new JsonObject
            {
                ["extension"] = new JsonArray([.. filters.Select(f => (JsonNode)new JsonObject { ["url"] = Backport.FilterCriteria, ["valueString"] = f })]),
            };
        if (content is not null)
            subscription["channel"]!["_payload"] = new JsonObject
            {
                ["extension"] = new JsonArray(new JsonObject { ["url"] = Backport.PayloadContent, ["valueCode"] = content }),
            };
        return subscription;
    }

    /// <summary>Creates a subscription and returns its id (asserting 201).</summary>
    public static async Task<string> SubscribeAsync(HttpClient client, JsonObject subscription)
    {
        var response = await client.PostAsync("Subscription", Fhir.Body(subscription));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (string)(await response.ReadJsonAsync())["id"]!;
    }

    /// <summary>A laboratory Observation of <paramref name="patient"/> with the given status.</summary>
    public static JsonObject LabResult(string patient, string status = "final") => new()
    {
        ["resourceType"] = "Observation",
        ["status"] = status,
        ["category"] = new JsonArray(new JsonObject
        {
            ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "laboratory" }),
        }),
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "2345-7" }) },
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
        ["valueQuantity"] = new JsonObject { ["value"] = 95, ["unit"] = "mg/dL", ["system"] = "http://unitsofmeasure.org", ["code"] = "mg/dL" },
    };

    /// <summary>Posts a resource and returns its id (asserting 201).</summary>
    public static async Task<string> CreateAsync(HttpClient client, JsonObject resource)
    {
        var response = await client.PostAsync((string)resource["resourceType"]!, Fhir.Body(resource));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (string)(await response.ReadJsonAsync())["id"]!;
    }

    /// <summary>
    /// Rewrites a stored resource straight in the store (no write rules), as an earlier release left it: for data
    /// stored before an upgrade.
    /// </summary>
    public async Task RewriteStoredAsync(JsonNode stored, Action<DomainResource> change)
    {
        var resource = (DomainResource)FhirParser.ParseStored(System.Text.Encoding.UTF8.GetBytes(stored.ToJsonString()));
        change(resource);
        var version = int.Parse(resource.Meta!.VersionId!, System.Globalization.CultureInfo.InvariantCulture) + 1;
        var write = Host.Services.GetRequiredService<VersionFactory>().Build(resource, resource.Id!, version, WriteMethod.Update, Clock.GetUtcNow());
        await Host.Services.GetRequiredService<IResourceStore>().CommitAsync(new WriteBatch([write], []), CancellationToken.None);
    }

    public async Task<JsonNode> ReadAsync(string reference) => await (await Client.GetAsync(reference)).ReadJsonAsync();
}
