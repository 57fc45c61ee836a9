using FhirPortal.Core.Access;
using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Validation;
using FhirPortal.Storage;

namespace FhirPortal.Core;

/// <summary>
/// Runs a unit of work optimistically: plan against the store, commit, and on a lost race plan again from the
/// new state. Client preconditions (If-Match) are re-checked on each attempt, so a loser ends in 412, not a gap.
/// </summary>
/// <remarks>
/// Only the write interactions use it (their public entry points run it); the type is public so the container can
/// hand it to them, <see cref="RunAsync{T}"/> is internal so nothing outside Core assembles units of work by hand.
/// A plan must not change its inputs (or must copy them first): a retry plans again from the same inputs.
/// </remarks>
public sealed class WriteRunner(IResourceStore store, VersionFactory versions, TimeProvider clock, CustomSearchParameters searchParameters, CallerContext callers, ConformanceSync conformance, IEnumerable<IWriteRule> rules)
{
    private readonly IReadOnlyList<IWriteRule> _rules = [.. rules];
    private const int MaxAttempts = 12;

    internal async Task<T> RunAsync<T>(Func<UnitOfWork, Task<T>> plan, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var unit = new UnitOfWork(store, versions, Truncate(clock.GetUtcNow()), callers.Current, _rules);
            var result = await plan(unit);
            try
            {
                await unit.CommitAsync(ct);
                searchParameters.Committed(unit.Writes);
                conformance.Committed(unit.Writes);
                return Latest(unit, result);
            }
            catch (WriteConflictException e) when (attempt < MaxAttempts)
            {
                _ = e;
                await Task.Delay(Random.Shared.Next(1, 4 * attempt), ct);
            }
            catch (WriteConflictException e)
            {
                throw FhirOutcomeException.Conflict($"The write kept colliding with concurrent writes; retry it. ({e.Message})");
            }
        }
    }

    /// <summary>The committed version in place of the one the plan staged, when a write rule replaced it.</summary>
    private static T Latest<T>(UnitOfWork unit, T result) => result switch
    {
        InteractionResult { Resource: { } staged } r => (T)(object)(r with { Resource = unit.Latest(staged) }),
        StoredResource staged => (T)(object)unit.Latest(staged),
        _ => result,
    };

    // FHIR instants and HTTP dates are compared after a round trip through the store: keep millisecond precision.
    private static DateTimeOffset Truncate(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
