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

    [Theory]
    [InlineData(false, "active")]
    [InlineData(true, "off")]
    public async Task A_backend_services_subscription_is_delivered_while_its_client_is_registered(bool unregister, string status)
    {
        using var data = new SubscriptionData(secured: true);
        using var scope = data.Host.Services.CreateScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var client = await applications.CreateAsync(new OpenIddictApplicationDescriptor { ClientId = "lab-backend", ClientType = ClientTypes.Confidential, ClientSecret = "s3cret-lab-backend" });
        // The shape of a client_credentials token: system/ scopes, no fhirUser, sub = client_id.
        var app = data.Host.CreateFhirClient();
        app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestTokenHandler.Token("system/Subscription.cruds system/Observation.rs", clientId: "lab-backend") + "&sub=lab-backend");
        var id = await SubscriptionData.SubscribeAsync(app, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        Assert.Equal(1, await data.DeliverAsync());
        if (unregister) await applications.DeleteAsync(client);

        await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        var sent = await data.DeliverAsync();

        var subscription = await data.ReadAsync($"Subscription/{id}");
        Assert.Equal(status, (string?)subscription["status"]);
        Assert.Equal(unregister ? 0 : 1, sent);
        if (unregister) Assert.Contains("client application", (string?)subscription["error"]);
    }

    [Fact]
    public async Task An_unreachable_account_database_skips_the_round_without_counting_a_failed_attempt()
    {
        var grants = new FailingGrants();
        using var data = new SubscriptionData(secured: true, services: s => s.AddSingleton<ISubscriptionGrants>(grants));
        var id = await SubscriptionData.SubscribeAsync(data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        Assert.Equal(1, await data.DeliverAsync());
        await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));

        grants.Down = true;
        // More rounds than MaxAttempts (3), each after the lease ends: an outage is not the endpoint's failure.
        for (var round = 0; round < 5; round++)
        {
            Assert.Equal(0, await data.DeliverAsync());
            data.Clock.Advance(TimeSpan.FromMinutes(10));
        }
        var during = await data.ReadAsync($"Subscription/{id}");
        Assert.Equal("active", (string?)during["status"]);
        Assert.Null(during["error"]);
        Assert.Empty(_hook.OfType("event-notification"));

        grants.Down = false;
        Assert.Equal(1, await data.DeliverAsync());
        Assert.Single(_hook.OfType("event-notification"));
    }

    /// <summary>Grants whose account database is down while <see cref="Down"/> is set.</summary>
    private sealed class FailingGrants : ISubscriptionGrants
    {
        public volatile bool Down;

        public Task<string?> WithdrawnAsync(FhirPortal.Core.Access.Caller owner, CancellationToken ct) =>
            Down ? throw new InvalidOperationException("The account database is unreachable.") : Task.FromResult<string?>(null);
    }
}
