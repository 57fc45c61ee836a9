using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>Recovery and clean-up of the transaction protocol's leftovers (see <see cref="CosmosTransactions"/>).</summary>
internal sealed partial class CosmosTransactions
{
    /// <summary>At start: finishes or undoes every transaction a crash left behind, and deletes expired records.</summary>
    public Task RecoverAsync(CancellationToken ct) => SweepAsync(Clock.GetUtcNow(), TimeSpan.Zero, ct);

    /// <summary>The periodic sweep (once per half <see cref="Retention"/>, by the instance whose commit finds it due).</summary>
    private async Task SweepIfDueAsync(CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        var due = Interlocked.Read(ref _nextSweepMs);
        if (now.ToUnixTimeMilliseconds() < due) return;
        if (Interlocked.CompareExchange(ref _nextSweepMs, (now + Retention / 2).ToUnixTimeMilliseconds(), due) != due) return;
        // The commit itself succeeded and must be reported so: a failed sweep is simply retried at the next one.
        try { await SweepAsync(now, _lease, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { }
    }

    /// <summary>
    /// Rolls forward committed records older than <paramref name="settled"/> (younger ones are being applied by
    /// their owner), settles locks, and deletes aborted records older than <see cref="Retention"/> with their parts,
    /// and parts that never got a committed record.
    /// </summary>
    private async Task SweepAsync(DateTimeOffset now, TimeSpan settled, CancellationToken ct)
    {
        _nextSweepMs = (now + Retention / 2).ToUnixTimeMilliseconds();
        var records = await _db.QueryAsync(
            new QueryDefinition("SELECT * FROM c WHERE c.kind = @kind AND c.state = 'committed' AND c.at <= @before")
                .WithParameter("@kind", CosmosKeys.Transaction).WithParameter("@before", (now - settled).ToUnixTimeMilliseconds()),
            null, int.MaxValue, ct);
        foreach (var record in records) await RollForwardAsync(record!.AsObject(), ct);
        var locked = await _db.QueryAsync(
            new QueryDefinition("SELECT c.id, c.pk FROM c WHERE IS_DEFINED(c.lock.txn)"),
            null, int.MaxValue, ct);
        foreach (var item in locked)
        {
            var doc = await _db.ReadAsync((string)item!["id"]!, (string)item["pk"]!, ct);
            if (doc is not null && CosmosLocks.Owner(doc.Body) is not null) await Locks.SettleAsync(doc, ct);
        }

        var expired = (now - Retention).ToUnixTimeMilliseconds();
        var aborted = await _db.QueryAsync(
            new QueryDefinition("SELECT c.id FROM c WHERE c.kind = @kind AND c.state = 'aborted' AND c.at < @expired")
                .WithParameter("@kind", CosmosKeys.Transaction).WithParameter("@expired", expired),
            null, int.MaxValue, ct);
        foreach (var id in aborted.Select(a => (string)a!["id"]!))
        {
            var parts = await _db.QueryAsync(
                new QueryDefinition("SELECT c.id FROM c WHERE c.kind = @kind AND c.pk = @pk")
                    .WithParameter("@kind", CosmosKeys.TransactionPart).WithParameter("@pk", id), id, int.MaxValue, ct);
            foreach (var part in parts) await _db.DeleteAsync((string)part!["id"]!, id, null, ct);
            await _db.DeleteAsync(id, id, null, ct);
        }
        var strays = await _db.QueryAsync(
            new QueryDefinition("SELECT c.id, c.pk FROM c WHERE c.kind = @kind AND c.at < @expired")
                .WithParameter("@kind", CosmosKeys.TransactionPart).WithParameter("@expired", expired),
            null, int.MaxValue, ct);
        foreach (var part in strays)
        {
            var recordId = (string)part!["pk"]!;
            var record = await _db.ReadAsync(recordId, recordId, ct);
            if (record is null || (string?)record.Body["state"] != "committed") await _db.DeleteAsync((string)part["id"]!, recordId, null, ct);
        }
    }
}
