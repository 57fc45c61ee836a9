using System.Text;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>Health-plan members: Coverages stored as the server, and the member-card way of registration step 1.</summary>
public sealed partial class AccountHarness
{
    /// <summary>
    /// Stores a Coverage of <paramref name="patientId"/> with a member ID (subscriberId), a group class and a period; with
    /// <paramref name="subscriber"/> and <paramref name="dependent"/> when given (a family member's Coverage).
    /// </summary>
    public async Task CoverageAsync(string id, string patientId, string memberId, string group, string status = "active", string start = "2020-01-01",
        string? end = null, string? subscriber = null, string? dependent = null)
    {
        using var scope = Smart.Host.Services.CreateScope();
        var services = scope.ServiceProvider;
        using var _ = services.GetRequiredService<CallerContext>().Use(Caller.Server);
        var period = end is null ? $$"""{"start":"{{start}}"}""" : $$"""{"start":"{{start}}","end":"{{end}}"}""";
        var family = (subscriber is null ? "" : $",\"subscriber\":{{\"reference\":\"Patient/{subscriber}\"}}")
            + (dependent is null ? "" : $",\"dependent\":\"{dependent}\"");
        var json = $$"""
            {"resourceType":"Coverage","id":"{{id}}","status":"{{status}}","subscriberId":"{{memberId}}"{{family}},
             "beneficiary":{"reference":"Patient/{{patientId}}"},"payor":[{"display":"Mayo Clinic Health Solutions"}],"period":{{period}},
             "class":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/coverage-class","code":"plan"}]},"value":"PPO-GOLD"},
                      {"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/coverage-class","code":"group"}]},"value":"{{group}}"}]}
            """;
        var resource = services.GetRequiredService<FhirParser>().ParseJson(Encoding.UTF8.GetBytes(json));
        await services.GetRequiredService<UpdateInteraction>().UpdateAsync(new ResourceKey("Coverage", id), resource, null, CancellationToken.None);
    }

    /// <summary>Registration step 1 with a member card, in a fresh browser unless one is given.</summary>
    public Task<PageResponse> ProveMemberAsync(string memberId, string group, string name, string birthDate, HttpClient? browser = null, string dependent = "") =>
        SubmitAsync(browser ?? Smart.Client(), "auth/register", new Dictionary<string, string>
        {
            ["MemberId"] = memberId, ["Group"] = group, ["Name"] = name, ["BirthDate"] = birthDate, ["Email"] = "member@example.org", ["Dependent"] = dependent,
        }, action: "auth/register?handler=Member");
}
