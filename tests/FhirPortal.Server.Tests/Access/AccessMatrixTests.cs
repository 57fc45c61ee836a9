using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Access;

/// <summary>
/// The enforcement matrix of issue 4: for each scope set × interaction, the outcome for the launch patient's own
/// resource, another patient's resource and a shared (non-compartment) resource. Allow: the interaction succeeds
/// and the target is in the answer; Hide: it succeeds but the target is left out; Forbid: 403 OperationOutcome.
/// </summary>
public sealed class AccessMatrixTests(AccessData data) : IClassFixture<AccessData>
{
    public enum Outcome { Allow, Hide, Forbid }
    public enum Interaction { Read, Search, Create, Update, Delete, History, Include, RevInclude, Chain, Has, BatchEntry, TransactionEntry, CompartmentSearch }
    public enum Target { Own, Other, Shared }

    private const Outcome A = Outcome.Allow, H = Outcome.Hide, F = Outcome.Forbid;

    /// <summary>Scope sets: SMART v1 and v2, patient/user/system, and a granular (category=laboratory) grant; patient sets launch with p1.</summary>
    private static readonly Dictionary<string, (string Scopes, string? Patient)> ScopeSets = new()
    {
        ["patient v1 read"] = ("launch/patient openid fhirUser patient/*.read", "p1"),
        ["patient v2"] = ("patient/Observation.cruds patient/Patient.rs patient/Practitioner.cruds patient/PractitionerRole.rs", "p1"),
        ["patient v2 granular"] = ($"patient/Observation.rs?category={AccessData.Laboratory} patient/Patient.rs", "p1"),
        ["user v1"] = ("openid fhirUser user/*.read user/Observation.write", null),
        ["user v2"] = ("user/Observation.rs user/Patient.rs", null),
        ["system v2"] = ("system/*.cruds", null),
        ["system v1"] = ("system/*.*", null),
    };

    public static TheoryData<string, Interaction, Outcome, Outcome, Outcome> Matrix()
    {
        var rows = new TheoryData<string, Interaction, Outcome, Outcome, Outcome>();
        void Set(string set, params (Interaction I, Outcome Own, Outcome Other, Outcome Shared)[] cells)
        {
            foreach (var c in cells) rows.Add(set, c.I, c.Own, c.Other, c.Shared);
        }
        // Non-compartment resources are readable with patient/ scopes but never written by them (they are shared).
        Set("patient v1 read",
            (Interaction.Read, A, F, A), (Interaction.Search, A, H, A), (Interaction.Create, F, F, F), (Interaction.Update, F, F, F),
            (Interaction.Delete, F, F, F), (Interaction.History, A, F, A), (Interaction.Include, A, H, A), (Interaction.RevInclude, A, H, A),
            (Interaction.Chain, A, H, A), (Interaction.Has, A, H, A), (Interaction.BatchEntry, A, F, A), (Interaction.TransactionEntry, F, F, F),
            (Interaction.CompartmentSearch, A, F, H));
        Set("patient v2",
            (Interaction.Read, A, F, A), (Interaction.Search, A, H, A), (Interaction.Create, A, F, F), (Interaction.Update, A, F, F),
            (Interaction.Delete, A, F, F), (Interaction.History, A, F, A), (Interaction.Include, A, H, A), (Interaction.RevInclude, A, H, A),
            (Interaction.Chain, A, H, A), (Interaction.Has, A, H, A), (Interaction.BatchEntry, A, F, A), (Interaction.TransactionEntry, A, F, F),
            (Interaction.CompartmentSearch, A, F, H));
        // No Practitioner scope: reading or traversing Practitioner is a 403; an included Practitioner is left out.
        Set("patient v2 granular",
            (Interaction.Read, A, F, F), (Interaction.Search, A, H, F), (Interaction.Create, F, F, F), (Interaction.Update, F, F, F),
            (Interaction.Delete, F, F, F), (Interaction.History, A, F, F), (Interaction.Include, A, H, H), (Interaction.RevInclude, A, H, F),
            (Interaction.Chain, A, H, F), (Interaction.Has, A, H, F), (Interaction.BatchEntry, A, F, F), (Interaction.TransactionEntry, F, F, F),
            (Interaction.CompartmentSearch, A, F, F));
        Set("user v1",
            (Interaction.Read, A, A, A), (Interaction.Search, A, A, A), (Interaction.Create, A, A, F), (Interaction.Update, A, A, F),
            (Interaction.Delete, A, A, F), (Interaction.History, A, A, A), (Interaction.Include, A, A, A), (Interaction.RevInclude, A, A, A),
            (Interaction.Chain, A, A, A), (Interaction.Has, A, A, A), (Interaction.BatchEntry, A, A, A), (Interaction.TransactionEntry, A, A, F),
            (Interaction.CompartmentSearch, A, A, H));
        Set("user v2",
            (Interaction.Read, A, A, F), (Interaction.Search, A, A, F), (Interaction.Create, F, F, F), (Interaction.Update, F, F, F),
            (Interaction.Delete, F, F, F), (Interaction.History, A, A, F), (Interaction.Include, A, A, H), (Interaction.RevInclude, A, A, F),
            (Interaction.Chain, A, A, F), (Interaction.Has, A, A, F), (Interaction.BatchEntry, A, A, F), (Interaction.TransactionEntry, F, F, F),
            (Interaction.CompartmentSearch, A, A, F));
        foreach (var set in new[] { "system v2", "system v1" })
            Set(set,
                (Interaction.Read, A, A, A), (Interaction.Search, A, A, A), (Interaction.Create, A, A, A), (Interaction.Update, A, A, A),
                (Interaction.Delete, A, A, A), (Interaction.History, A, A, A), (Interaction.Include, A, A, A), (Interaction.RevInclude, A, A, A),
                (Interaction.Chain, A, A, A), (Interaction.Has, A, A, A), (Interaction.BatchEntry, A, A, A), (Interaction.TransactionEntry, A, A, A),
                // Practitioner is in no patient's compartment, so a compartment search never finds it.
                (Interaction.CompartmentSearch, A, A, H));
        return rows;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Scope_set_decides_each_target(string set, Interaction interaction, Outcome own, Outcome other, Outcome shared)
    {
        var (scopes, patient) = ScopeSets[set];
        var caller = data.Host.ClientWith(scopes, patient);
        var observed = new[]
        {
            await RunAsync(caller, interaction, Target.Own),
            await RunAsync(caller, interaction, Target.Other),
            await RunAsync(caller, interaction, Target.Shared),
        };
        Assert.Equal(new[] { own, other, shared }, observed);
    }

    private async Task<Outcome> RunAsync(HttpClient caller, Interaction interaction, Target target)
    {
        var system = data.Host.SystemClient();
        var (type, id) = target switch
        {
            Target.Own => ("Observation", "own-lab"),
            Target.Other => ("Observation", "other-lab"),
            _ => ("Practitioner", "pr1"),
        };
        var code = target == Target.Own ? "own-lab" : "other-lab";
        switch (interaction)
        {
            case Interaction.Read:
                return await StatusAsync(await caller.GetAsync($"{type}/{id}"));
            case Interaction.Search:
                return await FindsAsync(await caller.GetAsync(target == Target.Shared ? "Practitioner?name=Zorro" : $"Observation?code=urn:test|{code}"), $"{type}/{id}");
            case Interaction.Create:
                return await StatusAsync(await caller.PostAsync(type, Fhir.Body(New(target, null))));
            case Interaction.Update:
            {
                var fresh = New(target, "u-" + Guid.NewGuid().ToString("N"));
                await AccessData.PutAsync(system, fresh);
                return await StatusAsync(await caller.PutAsync($"{type}/{fresh["id"]}", Fhir.Body(fresh)));
            }
            case Interaction.Delete:
            {
                var fresh = New(target, "d-" + Guid.NewGuid().ToString("N"));
                await AccessData.PutAsync(system, fresh);
                return await StatusAsync(await caller.DeleteAsync($"{type}/{fresh["id"]}"));
            }
            case Interaction.History:
                return await StatusAsync(await caller.GetAsync($"{type}/{id}/_history"));
            case Interaction.Include:
                return await FindsAsync(await caller.GetAsync(target == Target.Shared
                    ? "Observation?_id=carrier&_include=Observation:performer"
                    : "Observation?_id=carrier&_include=Observation:has-member"), $"{type}/{id}");
            case Interaction.RevInclude:
                return target == Target.Shared
                    ? await FindsAsync(await caller.GetAsync("Practitioner?_id=pr1&_revinclude=PractitionerRole:practitioner"), "PractitionerRole/role1")
                    : await FindsAsync(await caller.GetAsync("Observation?_id=carrier&_revinclude=Observation:derived-from"), $"{type}/{id}");
            case Interaction.Chain:
                return await FindsAsync(await caller.GetAsync(target == Target.Shared
                    ? "Observation?_id=carrier&performer:Practitioner.name=Zorro"
                    : $"Observation?_id=carrier&has-member:Observation.code=urn:test|{code}"), "Observation/carrier");
            case Interaction.Has:
                return target == Target.Shared
                    ? await FindsAsync(await caller.GetAsync("Practitioner?_has:PractitionerRole:practitioner:_id=role1"), "Practitioner/pr1")
                    : await FindsAsync(await caller.GetAsync($"Observation?_id=carrier&_has:Observation:derived-from:code=urn:test|{code}"), "Observation/carrier");
            case Interaction.BatchEntry:
            {
                var batch = Bundle("batch", new JsonObject { ["request"] = new JsonObject { ["method"] = "GET", ["url"] = $"{type}/{id}" } });
                var response = await caller.PostAsync("", Fhir.Body(batch));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var status = (string?)(await response.ReadJsonAsync())["entry"]![0]!["response"]!["status"];
                return status!.StartsWith("200") ? Outcome.Allow : status.StartsWith("403") ? Outcome.Forbid : throw new Xunit.Sdk.XunitException($"Batch entry status {status}");
            }
            case Interaction.TransactionEntry:
            {
                var transaction = Bundle("transaction", new JsonObject
                {
                    ["fullUrl"] = "urn:uuid:" + Guid.NewGuid(),
                    ["resource"] = New(target, null),
                    ["request"] = new JsonObject { ["method"] = "POST", ["url"] = type },
                });
                return await StatusAsync(await caller.PostAsync("", Fhir.Body(transaction)));
            }
            case Interaction.CompartmentSearch:
                return await FindsAsync(await caller.GetAsync(target switch
                {
                    Target.Own => "Patient/p1/Observation?code=urn:test|own-lab",
                    Target.Other => "Patient/p2/Observation?code=urn:test|other-lab",
                    _ => "Patient/p1/Practitioner",
                }), $"{type}/{id}");
            default:
                throw new ArgumentOutOfRangeException(nameof(interaction));
        }
    }

    /// <summary>A new resource for the target: a laboratory Observation of p1 or p2, or a Practitioner.</summary>
    private static JsonObject New(Target target, string? id)
    {
        if (target == Target.Shared)
        {
            var practitioner = new JsonObject { ["resourceType"] = "Practitioner", ["name"] = new JsonArray(new JsonObject { ["family"] = "New" }) };
            if (id is not null) practitioner["id"] = id;
            return practitioner;
        }
        var observation = AccessData.Observation(id ?? "x", target == Target.Own ? "p1" : "p2", "laboratory");
        if (id is null) observation.Remove("id");
        return observation;
    }

    private static JsonObject Bundle(string type, JsonObject entry) =>
        new() { ["resourceType"] = "Bundle", ["type"] = type, ["entry"] = new JsonArray(entry) };

    private static async Task<Outcome> StatusAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.Forbidden) return await ForbiddenAsync(response);
        if (response.IsSuccessStatusCode) return Outcome.Allow;
        throw new Xunit.Sdk.XunitException($"Unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<Outcome> FindsAsync(HttpResponseMessage response, string key)
    {
        if (response.StatusCode == HttpStatusCode.Forbidden) return await ForbiddenAsync(response);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new Xunit.Sdk.XunitException($"Unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await AccessData.EntryKeysAsync(response)).Contains(key) ? Outcome.Allow : Outcome.Hide;
    }

    /// <summary>A 403 must be an OperationOutcome with a forbidden issue, and never carry the resource.</summary>
    private static async Task<Outcome> ForbiddenAsync(HttpResponseMessage response)
    {
        var body = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", (string?)body["resourceType"]);
        Assert.Equal("forbidden", (string?)body["issue"]![0]!["code"]);
        return Outcome.Forbid;
    }
}
