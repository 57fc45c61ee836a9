using System.Net.Http.Headers;
using FhirPortal.Auth.Data;
using FhirPortal.Core.Subscriptions;
using FhirPortal.Server.Tests.Access;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// Deliveries are checked against the creator's account and app grant: once the user revokes the app's authorization,
/// or the account is disabled or deleted, the next delivery turns the subscription off with the reason and sends nothing.
/// </summary>
public sealed class GrantWithdrawalTests : IAsyncLifetime
{
    private static readonly string Results = SubscriptionTopics.PatientResult.Url;
    private HookListener _hook = null!;

    public async Task InitializeAsync() => _hook = await HookListener.StartAsync();

    public async Task DisposeAsync() => await _hook.DisposeAsync();

    [Theory]
    [InlineData("revoke the app", "authorization")]
    [InlineData("disable the account", "disabled")]
    [InlineData("delete the account", "no longer exists")]
    [InlineData("nothing", null)]
    public async Task Deliveries_stop_and_the_subscription_turns_off_when_the_creators_grant_or_account_is_withdrawn(string withdraw, string? reason)
    {
        using var data = new SubscriptionData(secured: true);
        using var scope = data.Host.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        var user = new PortalUser { UserName = "dr-hook", Email = "dr-hook@example.org", FhirUser = "Practitioner/dr1" };
        Assert.True((await users.CreateAsync(user)).Succeeded);
        var grant = await authorizations.CreateAsync(new OpenIddictAuthorizationDescriptor
        {
            Subject = user.Id, Status = Statuses.Valid, Type = AuthorizationTypes.Permanent, CreationDate = DateTimeOffset.UtcNow,
        });
        var grantId = (await authorizations.GetIdAsync(grant))!;
        var app = data.Host.CreateFhirClient();
        app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestTokenHandler.Token("user/Subscription.cruds user/Observation.rs", fhirUser: "Practitioner/dr1") + $"&sub={user.Id}&oi_au_id={grantId}");
        var id = await SubscriptionData.SubscribeAsync(app, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        Assert.Equal(1, await data.DeliverAsync());
        await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        Assert.Equal(1, await data.DeliverAsync());

        switch (withdraw)
        {
            case "revoke the app": Assert.True(await authorizations.TryRevokeAsync(grant)); break;
            case "disable the account":
                await users.SetLockoutEnabledAsync(user, true);
                await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
                break;
            case "delete the account": Assert.True((await users.DeleteAsync(user)).Succeeded); break;
        }
        await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        var sent = await data.DeliverAsync();

        var subscription = await data.ReadAsync($"Subscription/{id}");
        if (reason is null)
        {
            Assert.Equal(1, sent);
            Assert.Equal("active", (string?)subscription["status"]);
            return;
        }
        Assert.Equal(0, sent);
        Assert.Single(_hook.OfType("event-notification"));
        Assert.Equal("off", (string?)subscription["status"]);
        Assert.Contains(reason, (string?)subscription["error"]);
        // Off means off: later events are counted, never sent.
        await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        Assert.Equal(0, await data.DeliverAsync());
        Assert.Single(_hook.OfType("event-notification"));
    }
}
