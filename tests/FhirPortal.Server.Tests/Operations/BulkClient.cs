using System.Net;
using System.Text.Json;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>A Bulk Data client for tests: kick-off, poll the status URL, and read every NDJSON file of the manifest.</summary>
public static class BulkClient
{
    public static Task<HttpResponseMessage> KickOffAsync(HttpClient client, string url, HttpContent? body = null) =>
        client.SendAsync(body is null ? HttpMethod.Get : HttpMethod.Post, url, body, ("Prefer", "respond-async"));

    /// <summary>Kicks off and returns the status URL (asserting 202 + Content-Location).</summary>
    public static async Task<string> StartAsync(HttpClient client, string url, HttpContent? body = null)
    {
        var response = await KickOffAsync(client, url, body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Content.Headers.ContentLocation?.ToString() ?? throw new InvalidOperationException("no Content-Location");
    }

    /// <summary>Polls until the manifest (200) arrives; fails on any other status or after the timeout.</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient client, string status, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (DateTime.UtcNow < until)
        {
            var response = await client.GetAsync(status);
            if (response.StatusCode == HttpStatusCode.OK)
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"status {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.Headers.Contains("X-Progress"), "a running job's status has X-Progress");
            Assert.NotNull(response.Headers.RetryAfter);
            await Task.Delay(100);
        }
        throw new TimeoutException($"{status} did not complete");
    }

    /// <summary>Every line of every output file, by the manifest's type (each line parsed as JSON).</summary>
    public static async Task<Dictionary<string, List<JsonElement>>> ReadOutputAsync(HttpClient client, JsonElement manifest)
    {
        var byType = new Dictionary<string, List<JsonElement>>(StringComparer.Ordinal);
        foreach (var output in manifest.GetProperty("output").EnumerateArray())
        {
            var type = output.GetProperty("type").GetString()!;
            var text = await client.GetStringAsync(output.GetProperty("url").GetString());
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(output.GetProperty("count").GetInt64(), lines.Length);
            if (!byType.TryGetValue(type, out var list)) byType[type] = list = [];
            foreach (var line in lines)
            {
                var resource = JsonDocument.Parse(line).RootElement.Clone();
                Assert.Equal(type, resource.GetProperty("resourceType").GetString());
                list.Add(resource);
            }
        }
        return byType;
    }

    public static string Key(JsonElement resource) =>
        $"{resource.GetProperty("resourceType").GetString()}/{resource.GetProperty("id").GetString()}";
}
