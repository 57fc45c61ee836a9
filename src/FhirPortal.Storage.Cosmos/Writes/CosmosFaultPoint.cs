namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Where a test makes the store fail or stall as a crashed or slow process would: before each request to the
/// container, and between a transaction's commit point and its apply. The store's own instance does nothing.
/// </summary>
internal class CosmosFaultPoint
{
    public static CosmosFaultPoint None { get; } = new();

    /// <summary>Before every request to the container (<paramref name="write"/>: it writes a document); throwing fails it.</summary>
    public virtual void BeforeRequest(bool write) { }

    /// <summary>After a transaction's record is created (its commit point), before its writes are applied.</summary>
    public virtual Task AfterCommitPointAsync() => Task.CompletedTask;
}
