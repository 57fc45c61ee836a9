using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FhirPortal.Search;
using FhirPortal.Storage;
using FhirPortal.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>
/// Crash safety of the SQLite write path (group commit included): the real server process takes concurrent
/// transactions and is killed with SIGKILL mid-stream; the store reopened from the files holds every transaction
/// the server acknowledged, in full, and no transaction in part.
/// </summary>
public sealed class CrashSafetyTests
{
    private const int Workers = 8;
    private const int EntriesPerBundle = 12;
    private const int AcknowledgedBeforeKill = 40;
    private const string System = "urn:fhirportal:crash-test";
    private static readonly SearchParameterRegistry Registry = SearchParameterRegistry.CreateDefault();

    [Fact]
    public async Task After_a_kill_9_every_acknowledged_transaction_is_stored_in_full_and_none_in_part()
    {
        var directory = Path.Combine(Path.GetTempPath(), "fhirportal-crash-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var (sent, acknowledged) = await PostUntilKilledAsync(directory);

            Assert.True(acknowledged.Count >= AcknowledgedBeforeKill, $"only {acknowledged.Count} transactions were acknowledged");
            var database = Path.Combine(directory, "fhirportal.db");
            // First the rows themselves, read straight from the file (WAL included) before the store opens it: the
            // search below goes through the index tables, which could hide a version row written without its index.
            var rows = CountRows(database);
            using var store = new SqliteResourceStore(database, Registry);
            foreach (var bundle in sent)
            {
                var stored = await CountAsync(store, bundle);
                var inFile = rows.GetValueOrDefault(bundle);
                if (acknowledged.ContainsKey(bundle))
                {
                    Assert.True(stored == EntriesPerBundle, $"acknowledged {bundle} has {stored} of {EntriesPerBundle} entries");
                    Assert.True(inFile == EntriesPerBundle, $"acknowledged {bundle} has {inFile} of {EntriesPerBundle} resource rows");
                }
                else
                {
                    Assert.True(stored is 0 or EntriesPerBundle, $"unacknowledged {bundle} is partial: {stored} of {EntriesPerBundle} entries");
                    Assert.True(inFile is 0 or EntriesPerBundle, $"unacknowledged {bundle} is partial: {inFile} of {EntriesPerBundle} resource rows");
                }
            }
            Assert.Empty(rows.Keys.Except(sent)); // no row of anything never sent
        }
        finally
        {
            FhirPortalHost.TryDelete(directory);
        }
    }

    /// <summary>Posts transactions from several workers until enough are acknowledged, then kills the server while more are in flight.</summary>
    private static async Task<(ConcurrentBag<string> Sent, ConcurrentDictionary<string, bool> Acknowledged)> PostUntilKilledAsync(string directory)
    {
        var sent = new ConcurrentBag<string>();
        var acknowledged = new ConcurrentDictionary<string, bool>();
        using var server = await ServerChildProcess.StartAsync(directory);
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseAddress, "fhir/"), Timeout = TimeSpan.FromMinutes(2) };
        using var enough = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        // killing: failures from now on are the kill's; killed: the server is gone, stop posting. Workers keep posting
        // until the process is really gone, so transactions are in flight when it dies.
        var (killing, killed) = (0, 0);
        var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; Volatile.Read(ref killed) == 0 && !enough.IsCancellationRequested; n++)
            {
                var bundle = $"w{worker}-b{n}";
                sent.Add(bundle);
                try
                {
                    using var response = await client.SendAsync(Transaction(bundle));
                    if (!response.IsSuccessStatusCode)
                        throw new InvalidOperationException($"{bundle}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    acknowledged[bundle] = true;
                }
                catch (HttpRequestException) when (Volatile.Read(ref killing) != 0) { return; } // the server is gone
            }
        })).ToList();
        // The kill comes at a moment unrelated to any response, so the workers' transactions are in flight then
        // (right after a group commit every worker has just been answered).
        while (acknowledged.Count < AcknowledgedBeforeKill && !workers.Any(w => w.IsCompleted)) await Task.Delay(10);
        await Task.Delay(Random.Shared.Next(50, 300));
        Volatile.Write(ref killing, 1);
        server.Kill();
        Volatile.Write(ref killed, 1);
        await Task.WhenAll(workers);
        Assert.True(sent.Count > acknowledged.Count, $"nothing was in flight at the kill: {sent.Count} sent and acknowledged");
        return (sent, acknowledged);
    }

    private static HttpRequestMessage Transaction(string bundle)
    {
        var entries = Enumerable.Range(0, EntriesPerBundle).Select(i => $$$"""
            {"fullUrl":"urn:uuid:{{{Guid.NewGuid()}}}","resource":{"resourceType":"Basic",
             "identifier":[{"system":"{{{System}}}","value":"{{{bundle}}}"}],"code":{"text":"entry {{{i}}}"}},
             "request":{"method":"POST","url":"Basic"}}
            """);
        var json = $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{{{string.Join(",", entries)}}}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        request.Headers.Add("Prefer", "return=minimal");
        return request;
    }

    /// <summary>
    /// The stored Basic resources per bundle tag, counted in the SQLite file: current rows of the resource table whose
    /// current version row exists and holds the tag in its JSON.
    /// </summary>
    private static Dictionary<string, long> CountRows(string database)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT v.json FROM resource r JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
            WHERE r.type = 'Basic' AND r.deleted = 0
            """;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            using var json = JsonDocument.Parse((byte[])reader.GetValue(0));
            // The server stores Basic resources of its own too (published subscription topics): those have no tag.
            if (!json.RootElement.TryGetProperty("identifier", out var identifiers)) continue;
            foreach (var identifier in identifiers.EnumerateArray())
                if (identifier.TryGetProperty("system", out var system) && system.GetString() == System
                    && identifier.TryGetProperty("value", out var value) && value.GetString() is { } bundle)
                    counts[bundle] = counts.GetValueOrDefault(bundle) + 1;
        }
        return counts;
    }

    private static async Task<long> CountAsync(SqliteResourceStore store, string bundle)
    {
        var parameters = new[] { new KeyValuePair<string, string>("identifier", $"{System}|{bundle}") };
        var query = new SearchQueryParser(Registry).Parse("Basic", parameters, 1, 1000).Query with { Total = TotalMode.Accurate };
        return (await store.SearchAsync(query, CancellationToken.None)).Total ?? -1;
    }
}
