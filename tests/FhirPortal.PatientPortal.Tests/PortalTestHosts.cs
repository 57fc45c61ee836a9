using System.Net;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Server.Tests.Billing;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>
/// The FHIR server (demo accounts, generated demo data with schedules and free slots, the portal registered as a
/// confidential client, online payment through <see cref="FakeStripe"/>) and the portal app, each on its own real
/// loopback origin, as a deployment would have them; both follow the same branding.
/// </summary>
public sealed partial class PortalTestHosts : IAsyncDisposable
{
    public const string ClientId = "patient-portal", ClientSecret = "portal-test-secret-0123456789";
    public const string OrganizationName = "Riverside Test Clinic";
    public const string StaffClientId = "care-team-system", StaffClientSecret = "care-team-test-secret-0123456789";
    private const int StaffClientIndex = 7;
    /// <summary>The brand colour of both the portal and the server's pages (white text on it passes 4.5:1).</summary>
    public const string BrandColor = "#7a1f5c";

    private PortalTestHosts(FhirPortalHost server, PortalApp portal, Uri serverRoot, string portalOrigin, FakeStripe stripe)
    {
        Server = server;
        Portal = portal;
        ServerRoot = serverRoot;
        PortalOrigin = portalOrigin;
        Stripe = stripe;
    }

    /// <summary>The payment provider's stand-in: its checkout page sends the signed webhook to the server.</summary>
    public FakeStripe Stripe { get; }

    public FhirPortalHost Server { get; }
    public PortalApp Portal { get; }
    public Uri ServerRoot { get; }
    public string PortalOrigin { get; }
    public string FhirBase => new Uri(ServerRoot, "fhir").ToString();

    /// <summary>The portal's log (e.g. its token refreshes).</summary>
    public LogCapture PortalLog => Portal.Log;

    /// <param name="accessTokenLifetime">The server's access token lifetime (at least a minute).</param>
    /// <param name="refreshBeforeExpiry">How early the portal refreshes; close to the lifetime makes a refresh happen within the test.</param>
    public static PortalTestHosts Start(TimeSpan accessTokenLifetime, TimeSpan refreshBeforeExpiry)
    {
        // The redirect URI is registered before the portal starts, so the portal's port is chosen first.
        var portalPort = FreePort();
        var stripe = FakeStripe.StartAsync().GetAwaiter().GetResult();
        var server = new FhirPortalHost(settings: new Dictionary<string, string?>
        {
            ["FhirPortal:Branding:Name"] = OrganizationName,
            ["FhirPortal:Branding:PrimaryColor"] = BrandColor,
            ["FhirPortal:Billing:Stripe:SecretKey"] = FakeStripe.SecretKey,
            ["FhirPortal:Billing:Stripe:WebhookSecret"] = FakeStripe.WebhookSecret,
            ["FhirPortal:Billing:Stripe:ApiBase"] = stripe.BaseUrl,
            ["FhirPortal:Billing:Stripe:ReturnUrl"] = $"http://localhost:{portalPort}/Bills?payment=return",
            ["FhirPortal:Security:Enabled"] = "true",
            ["FhirPortal:Auth:AllowHttp"] = "true",
            ["FhirPortal:Auth:SeedDemo"] = "true",
            ["FhirPortal:Auth:AccessTokenLifetime"] = accessTokenLifetime.ToString("c"),
            ["FhirPortal:Demo:Seed"] = "true",
            ["FhirPortal:Demo:Patients"] = "1",
            ["FhirPortal:Auth:Clients:0:ClientId"] = ClientId,
            ["FhirPortal:Auth:Clients:0:DisplayName"] = "Patient portal",
            ["FhirPortal:Auth:Clients:0:ClientSecret"] = ClientSecret,
            ["FhirPortal:Auth:Clients:0:RedirectUris:0"] = $"http://localhost:{portalPort}/signin-oidc",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:0"] = "openid",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:1"] = "fhirUser",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:2"] = "launch/patient",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:3"] = "offline_access",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:4"] = "patient/*",
            // The care team's system, which seeds what the patient's flows need (StaffApi); its own index keeps it apart
            // from other clients (the list binds in order, whatever the indexes).
            [$"FhirPortal:Auth:Clients:{StaffClientIndex}:ClientId"] = StaffClientId,
            [$"FhirPortal:Auth:Clients:{StaffClientIndex}:ClientSecret"] = StaffClientSecret,
            [$"FhirPortal:Auth:Clients:{StaffClientIndex}:AllowedScopes:0"] = "system/*",
        });
        server.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        server.StartServer();
        // The server answers on 127.0.0.1 and the portal on localhost: two sites, so neither sees the other's cookies.
        var serverRoot = server.ClientOptions.BaseAddress;
        var fhirBase = new Uri(serverRoot, "fhir").ToString();
        stripe.CheckoutBase = stripe.BaseUrl.TrimEnd('/');
        stripe.WebhookUrl = new Uri(serverRoot, "billing/stripe/webhook");

        var portal = new PortalApp(new Dictionary<string, string?>
        {
            ["Portal:FhirBaseUrl"] = fhirBase,
            ["Portal:ClientId"] = ClientId,
            ["Portal:ClientSecret"] = ClientSecret,
            ["Portal:AllowHttp"] = "true",
            ["Portal:RefreshBeforeExpiry"] = refreshBeforeExpiry.ToString("c"),
            ["Portal:Branding:OrganizationName"] = OrganizationName,
            ["Portal:Branding:PrimaryColor"] = BrandColor,
        });
        portal.UseKestrel(options => options.ListenLocalhost(portalPort));
        portal.StartServer();
        return new PortalTestHosts(server, portal, serverRoot, $"http://localhost:{portalPort}", stripe);
    }

    /// <summary>The newest mail the server wrote to {data}/mail (no SMTP in tests): the demo patient's sign-in code.</summary>
    public async Task<string> LatestMailTextAsync()
    {
        var folder = Path.Combine(Server.DataDirectory, "mail");
        var newest = Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).Last();
        var message = await MimeKit.MimeMessage.LoadAsync(newest);
        return message.TextBody ?? message.HtmlBody ?? "";
    }

    /// <summary>How many resources match a search, asked of the server in process as the server itself (no token).</summary>
    public async Task<int> CountAsync(string type, params (string Name, string Value)[] query)
    {
        using var scope = Server.Services.CreateScope();
        var services = scope.ServiceProvider;
        using var _ = services.GetRequiredService<CallerContext>().Use(Caller.Server);
        var parameters = query.Select(q => KeyValuePair.Create(q.Name, q.Value)).Append(KeyValuePair.Create("_count", "1000")).ToList();
        var page = await services.GetRequiredService<SearchInteraction>().ExecuteAsync(FhirBase, new SearchScope(type), parameters, strict: true, CancellationToken.None);
        return page.Entries.Count(e => e.SearchMode == Hl7.Fhir.Model.Bundle.SearchEntryMode.Match);
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await Portal.DisposeAsync();
        await Server.DisposeAsync();
        await Stripe.DisposeAsync();
    }

    /// <summary>The portal app in process, with the test's settings and a log capture.</summary>
    public sealed class PortalApp(IDictionary<string, string?> settings) : WebApplicationFactory<FhirPortal.PatientPortal.Program>
    {
        public LogCapture Log { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            builder.ConfigureLogging(logging => logging.AddProvider(Log));
        }
    }
}
