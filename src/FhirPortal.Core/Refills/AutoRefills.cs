using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.Refills;

/// <summary>
/// Automatic refills: for each active prescription that opted in (<see cref="AutoRefillFlag"/>), requests the refill as
/// soon as the refill rules allow it (the window opened, refills left, not controlled). One automatic request per fill:
/// none while a request is open, and none when a refill request was authored since the last dispense (so a request the
/// patient cancelled or staff rejected is not made again for the same fill). Each request is an ordinary refill Task
/// write, so the commit-time check of <see cref="RefillRules"/> keeps scans on several instances from making two.
/// </summary>
public sealed class AutoRefills(
    IResourceStore store, WriteRunner runner, ConditionalCriteria criteria, CallerContext callers, RefillTasks tasks,
    RefillEligibility eligibility, RefillRequests requests, ILogger<AutoRefills> logger)
{
    /// <summary>Requests the refills due now; returns how many were requested.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var query = criteria.Parse("MedicationRequest", $"status=active&{AutoRefillFlag.Code}=true");
        var requested = 0;
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(query with { Count = 500, Cursor = cursor }, ct);
            foreach (var version in page.Entries)
            {
                try
                {
                    if (await RequestAsync(version.Key.Id, ct)) requested++;
                }
                catch (FhirOutcomeException e)
                {
                    // One prescription's failure (a lost race after every retry, a profile it no longer meets) must not stop the rest.
                    logger.LogWarning("Automatic refill of {Prescription} not requested: {Reason}", version.Key, e.Message);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Nor may an unforeseen fault in one prescription's data.
                    logger.LogError(e, "Automatic refill of {Prescription} failed", version.Key);
                }
            }
            cursor = page.NextCursor;
        } while (cursor is not null);
        return requested;
    }

    private Task<bool> RequestAsync(string id, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            if (await unit.CurrentAsync(new ResourceKey("MedicationRequest", id), ct) is not { IsDeleted: false } stored) return false;
            var prescription = (MedicationRequest)FhirParser.ParseStored(stored.Json.Span);
            if (!prescription.Extension.Any(e => e.Url == AutoRefillFlag.Url && e.Value is FhirBoolean { Value: true })) return false;
            var existing = await tasks.OfAsync(unit, id, ct);
            if (existing.Any(t => RefillTasks.IsOpen(t.Task.Status))) return false;
            var lastFill = (await eligibility.CompletedDispensesAsync(unit, id, ct)).Max(d => d.HandedOver) ?? DateTimeOffset.MinValue;
            if (existing.Any(t => t.Task.AuthoredOnElement?.ToDateTimeOffset(TimeSpan.Zero) >= lastFill)) return false;
            try
            {
                await eligibility.RequireAsync(unit, id, prescription, ct);
            }
            catch (FhirOutcomeException)
            {
                return false; // not due (or not allowed): the rules decide, a later pass tries again
            }
            await requests.CreateAsync(unit, id, prescription, ct);
            return true;
        }, ct);
}
