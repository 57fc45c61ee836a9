using Microsoft.Extensions.Logging;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Adds up the request units, requests (writes among them) and document bytes of every Cosmos request made during
/// one store operation (async-local), and logs the totals at Debug when the operation ends: the per-interaction RU
/// figure issue 8 asks for (tests/FhirPortal.Benchmarks/CosmosRequestUnits.cs reads these log entries).
/// </summary>
internal sealed class CosmosCharge : IDisposable
{
    private static readonly AsyncLocal<CosmosCharge?> Current = new();

    private readonly ILogger _logger;
    private readonly string _operation;
    private readonly CosmosCharge? _outer;
    private double _total;
    private int _requests;
    private int _writes;
    private long _bytes;

    private CosmosCharge(ILogger logger, string operation)
    {
        _logger = logger;
        _operation = operation;
        _outer = Current.Value;
        Current.Value = this;
    }

    public static CosmosCharge Measure(ILogger logger, string operation) => new(logger, operation);

    public static void Add(string operation, double charge, long bytes)
    {
        var write = operation is "create" or "replace" or "upsert" or "delete";
        for (var c = Current.Value; c is not null; c = c._outer)
        {
            c._total += charge;
            c._requests++;
            if (write) c._writes++;
            c._bytes += bytes;
        }
    }

    public void Dispose()
    {
        Current.Value = _outer;
        _logger.LogDebug("Cosmos store {Operation}: {RequestCharge} RU, {Requests} requests ({Writes} writes), {Bytes} bytes",
            _operation, _total, _requests, _writes, _bytes);
    }
}
