using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>
/// The export status and files belong to the client that started the job (requiresAccessToken). Authentication is
/// not part of this branch, so the test host turns an "X-Test-Client" header into a <c>client_id</c> claim.
/// </summary>
public sealed class ExportAccessTests : IDisposable
{
    private readonly FhirPortalHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Another_client_gets_403_for_the_status_files_and_delete_of_a_job()
    {
        using var factory = _host.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IStartupFilter, ClientFromHeader>()));
        var owner = Client(factory, "client-a");
        var other = Client(factory, "client-b");
        Assert.Equal(HttpStatusCode.Created, (await owner.PutAsync("Patient/p1", Fhir.Body("""{"resourceType":"Patient","id":"p1"}"""))).StatusCode);

        var status = await BulkClient.StartAsync(owner, "$export");
        var manifest = await BulkClient.WaitAsync(owner, status);
        var file = manifest.GetProperty("output")[0].GetProperty("url").GetString()!;

        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync(file)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.DeleteAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync(file)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await owner.DeleteAsync(status)).StatusCode);
    }

    [Fact]
    public async Task Several_jobs_run_at_once_and_each_exports_everything()
    {
        var client = _host.CreateFhirClient();
        for (var i = 0; i < 30; i++)
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"Patient/p{i}", Fhir.Body($$"""{"resourceType":"Patient","id":"p{{i}}"}"""))).StatusCode);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => BulkClient.StartAsync(client, "$export?_type=Patient")));
        foreach (var status in statuses)
        {
            var exported = await BulkClient.ReadOutputAsync(client, await BulkClient.WaitAsync(client, status));
            Assert.Equal(30, exported["Patient"].Select(BulkClient.Key).Distinct().Count());
            Assert.Equal(30, exported["Patient"].Count);
        }
    }

    private static HttpClient Client(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory, string clientId)
    {
        var client = factory.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        client.DefaultRequestHeaders.Add("X-Test-Client", clientId);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        return client;
    }

    private sealed class ClientFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Headers["X-Test-Client"].ToString() is { Length: > 0 } id)
                    context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("client_id", id)], "test"));
                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
