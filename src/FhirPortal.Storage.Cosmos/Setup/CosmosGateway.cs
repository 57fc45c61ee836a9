using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Storage.Cosmos;

/// <summary>A document as read, with the ETag that makes the next write conditional on it.</summary>
internal sealed record CosmosDoc(JsonObject Body, string ETag);

/// <summary>
/// Single-document operations and queries on the container through the SDK's stream API (System.Text.Json in and
/// out). Each request's charge (x-ms-request-charge) is logged at Debug and added to the current <see cref="CosmosCharge"/>.
/// </summary>
internal sealed class CosmosGateway(Container container, ILogger logger, CosmosFaultPoint faults, PortalMetrics? metrics = null)
{
    public async Task<CosmosDoc?> ReadAsync(string id, string pk, CancellationToken ct)
    {
        BeforeRead();
        using var response = await container.ReadItemStreamAsync(id, new PartitionKey(pk), cancellationToken: ct);
        Charge("read", id, response, ContentLength(response), pk);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        EnsureSuccess(response, "read", id);
        return new CosmosDoc(await ParseAsync(response.Content, ct), response.Headers.ETag);
    }

    /// <summary>Creates the document; null when one with its id already exists.</summary>
    public async Task<string?> CreateAsync(JsonObject doc, CancellationToken ct)
    {
        BeforeWrite();
        using var body = Serialize(doc);
        using var response = await container.CreateItemStreamAsync(body, PartitionOf(doc), cancellationToken: ct);
        Charge("create", Id(doc), response, body.Length, (string)doc["pk"]!);
        if (response.StatusCode == HttpStatusCode.Conflict) return null;
        EnsureSuccess(response, "create", Id(doc));
        return response.Headers.ETag;
    }

    /// <summary>Replaces the document if it still has <paramref name="etag"/>; null when it changed or is gone.</summary>
    public async Task<string?> ReplaceAsync(JsonObject doc, string etag, CancellationToken ct)
    {
        BeforeWrite();
        using var body = Serialize(doc);
        using var response = await container.ReplaceItemStreamAsync(body, Id(doc), PartitionOf(doc),
            new ItemRequestOptions { IfMatchEtag = etag }, ct);
        Charge("replace", Id(doc), response, body.Length, (string)doc["pk"]!);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound) return null;
        EnsureSuccess(response, "replace", Id(doc));
        return response.Headers.ETag;
    }

    public async Task UpsertAsync(JsonObject doc, CancellationToken ct)
    {
        BeforeWrite();
        using var body = Serialize(doc);
        using var response = await container.UpsertItemStreamAsync(body, PartitionOf(doc), cancellationToken: ct);
        Charge("upsert", Id(doc), response, body.Length, (string)doc["pk"]!);
        EnsureSuccess(response, "upsert", Id(doc));
    }

    /// <summary>Deletes the document (if it still has <paramref name="etag"/>, when given); false when it changed or is gone.</summary>
    public async Task<bool> DeleteAsync(string id, string pk, string? etag, CancellationToken ct)
    {
        BeforeWrite();
        using var response = await container.DeleteItemStreamAsync(id, new PartitionKey(pk),
            etag is null ? null : new ItemRequestOptions { IfMatchEtag = etag }, ct);
        Charge("delete", id, response, 0, pk);
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound) return false;
        EnsureSuccess(response, "delete", id);
        return true;
    }

    /// <summary>
    /// Runs a query (in one partition when <paramref name="pk"/> is given) and returns up to <paramref name="limit"/>
    /// results; the query itself should carry a matching TOP so the service stops early.
    /// </summary>
    public async Task<List<JsonNode?>> QueryAsync(QueryDefinition query, string? pk, int limit, CancellationToken ct)
    {
        BeforeRead();
        var options = new QueryRequestOptions { MaxItemCount = Math.Clamp(limit, 1, 1000) };
        if (pk is not null) options.PartitionKey = new PartitionKey(pk);
        var results = new List<JsonNode?>();
        using var iterator = container.GetItemQueryStreamIterator(query, requestOptions: options);
        while (iterator.HasMoreResults && results.Count < limit)
        {
            using var response = await iterator.ReadNextAsync(ct);
            Charge("query", query.QueryText, response, ContentLength(response), pk ?? "*");
            EnsureSuccess(response, "query", query.QueryText);
            var page = await ParseAsync(response.Content, ct);
            foreach (var item in page["Documents"]!.AsArray())
            {
                if (results.Count == limit) break;
                results.Add(item?.DeepClone());
            }
        }
        return results;
    }

    private static PartitionKey PartitionOf(JsonObject doc) => new((string)doc["pk"]!);

    private static string Id(JsonObject doc) => (string)doc["id"]!;

    private static MemoryStream Serialize(JsonObject doc) => new(JsonSerializer.SerializeToUtf8Bytes(doc));

    private static async Task<JsonObject> ParseAsync(Stream content, CancellationToken ct) =>
        (await JsonNode.ParseAsync(content, cancellationToken: ct))!.AsObject();

    /// <summary>Counts the request (its charge, and the document bytes sent or received) and logs it at Debug.</summary>
    /// <param name="partition">The partition of the request ("*": a query across partitions).</param>
    private void Charge(string operation, string target, ResponseMessage response, long bytes, string partition)
    {
        var charge = response.Headers.RequestCharge;
        CosmosCharge.Add(operation, charge, bytes);
        metrics?.AddRequestUnits(operation, charge);
        logger.LogDebug("Cosmos {Operation} {Target} in {Partition}: {Status}, {RequestCharge} RU, {Bytes} bytes",
            operation, target, partition, (int)response.StatusCode, charge, bytes);
    }

    private static long ContentLength(ResponseMessage response) => response.Content is { CanSeek: true } content ? content.Length : 0;

    private static void EnsureSuccess(ResponseMessage response, string operation, string target)
    {
        if (response.IsSuccessStatusCode) return;
        throw new CosmosStoreException(
            $"Cosmos {operation} of {target} failed with {(int)response.StatusCode} {response.StatusCode}: {response.ErrorMessage}");
    }

    private void BeforeWrite() => faults.BeforeRequest(write: true);

    private void BeforeRead() => faults.BeforeRequest(write: false);
}

/// <summary>An unexpected answer from Cosmos DB (not a conflict the store handles).</summary>
public sealed class CosmosStoreException(string message) : Exception(message);
