using Microsoft.Extensions.Logging;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Adds up the request units of every Cosmos request made during one store operation (async-local), and logs the
/// total at Debug when the operation ends: the per-interaction RU figure issue 8 asks for.
/// </summary>
internal sealed class CosmosCharge : IDisposable
{
    private static readonly AsyncLocal<CosmosCharge?> Current = new();

    private readonly ILogger _logger;
    private readonly string _operation;
    private readonly CosmosCharge? _outer;
    private double _total;

    private CosmosCharge(ILogger logger, string operation)
    {
        _logger = logger;
        _operation = operation;
        _outer = Current.Value;
        Current.Value = this;
    }

    public static CosmosCharge Measure(ILogger logger, string operation) => new(logger, operation);

    public static void Add(double charge)
    {
        for (var c = Current.Value; c is not null; c = c._outer) c._total += charge;
    }

    public void Dispose()
    {
        Current.Value = _outer;
        _logger.LogDebug("Cosmos store {Operation}: {RequestCharge} RU", _operation, _total);
    }
}
