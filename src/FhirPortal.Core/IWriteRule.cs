namespace FhirPortal.Core;

/// <summary>
/// A workflow rule run on every staged write of a unit of work just before it commits (REST, transactions and
/// operations alike). It may reject the unit (throw <see cref="FhirOutcomeException"/>), read through the unit,
/// stage further versions (<see cref="UnitOfWork.StageForRule"/>) or add commit-time conditions.
/// </summary>
public interface IWriteRule
{
    /// <summary>Checks one staged write; <paramref name="previous"/> is the version it replaces (null: new).</summary>
    Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct);
}

/// <summary>
/// A staged version and the version it replaces (null when the resource is new). <paramref name="ByServer"/>: a write
/// rule staged it on the server's behalf (<see cref="UnitOfWork.StageForRule"/>), not the caller.
/// </summary>
public sealed record StagedWrite(FhirPortal.Storage.StoredResource Version, FhirPortal.Storage.StoredResource? Previous, bool ByServer = false);
