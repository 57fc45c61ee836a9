using System.Text;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests;

/// <summary>Test data written straight through Core as the server itself (no HTTP, no token, no scope limits).</summary>
public static class SeedResources
{
    /// <summary>Writes resources as the server itself (no token, no scope limits).</summary>
    public static async Task SeedAsync(IServiceProvider root, IEnumerable<string> resources)
    {
        using var scope = root.CreateScope();
        var services = scope.ServiceProvider;
        var (update, parser) = (services.GetRequiredService<UpdateInteraction>(), services.GetRequiredService<FhirParser>());
        using var _ = services.GetRequiredService<CallerContext>().Use(Caller.Server);
        foreach (var json in resources)
        {
            var resource = parser.ParseJson(Encoding.UTF8.GetBytes(json));
            var key = new ResourceKey(resource.TypeName, resource.Id!);
            await update.UpdateAsync(key, resource, null, CancellationToken.None);
        }
    }

    /// <summary>JSON written with single quotes (none of the values here contain one).</summary>
    public static string J(string json) => json.Replace('\'', '"');

    public static string OrganizationJson(string id, string type) =>
        J($"{{'resourceType':'Organization','id':'{id}','name':'{id}','type':[{{'coding':[{{'system':'http://terminology.hl7.org/CodeSystem/organization-type','code':'{type}'}}]}}]}}");
}
