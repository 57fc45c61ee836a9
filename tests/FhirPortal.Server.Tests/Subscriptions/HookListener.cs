using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// A rest-hook subscriber: Kestrel on 127.0.0.1, port 0. Records every POSTed notification (headers and JSON body)
/// and answers 200, or <see cref="FailWith"/>.
/// </summary>
public sealed class HookListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HookListener(WebApplication app) => _app = app;

    public string Endpoint { get; private set; } = "";

    /// <summary>A status to answer with instead of 200 (e.g. 500), or null.</summary>
    public HttpStatusCode? FailWith { get; set; }

    public List<(IHeaderDictionary Headers, JsonNode Body)> Received { get; } = [];

    /// <summary>Runs after a notification is recorded and before it is answered (e.g. to move a fake clock mid-round).</summary>
    public Func<JsonNode, Task>? OnReceived { get; set; }

    /// <summary>The notifications received of one type (handshake, heartbeat, event-notification).</summary>
    public List<JsonNode> OfType(string type)
    {
        lock (Received) return [.. Received.Select(r => r.Body).Where(b => Status(b)["type"] == type)];
    }

    /// <summary>The SubscriptionStatus parameters of a notification, by name (notification-event kept as a list).</summary>
    public static Dictionary<string, string?> Status(JsonNode bundle) =>
        bundle["entry"]![0]!["resource"]!["parameter"]!.AsArray().Where(p => (string?)p!["name"] != "notification-event")
            .ToDictionary(p => (string)p!["name"]!, p => (string?)(p!["valueCode"] ?? p["valueString"] ?? p["valueCanonical"] ?? p["valueReference"]?["reference"]));

    /// <summary>Each notification-event of a notification: (event-number, focus reference).</summary>
    public static List<(string Number, string? Focus)> Events(JsonNode bundle) =>
    [
        .. bundle["entry"]![0]!["resource"]!["parameter"]!.AsArray().Where(p => (string?)p!["name"] == "notification-event")
            .Select(p => ((string)p!["part"]!.AsArray().First(x => (string?)x!["name"] == "event-number")!["valueString"]!,
                          (string?)p["part"]!.AsArray().FirstOrDefault(x => (string?)x!["name"] == "focus")?["valueReference"]?["reference"])),
    ];

    public static async Task<HookListener> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var listener = new HookListener(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            lock (listener.Received) listener.Received.Add((new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)), body!));
            if (listener.OnReceived is { } onReceived) await onReceived(body!);
            return Results.StatusCode((int)(listener.FailWith ?? HttpStatusCode.OK));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        listener.Endpoint = address.TrimEnd('/') + "/hook";
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
