using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.Sharing;

/// <summary>
/// Removes share links for good once they ended (expired or revoked, whichever came first) more than
/// <see cref="ShareLinkOptions.PurgeAfter"/> ago, and drops expired file locations from the links it keeps. Each batch
/// of removed links is one AuditEvent of the server's own (not in any patient's compartment), written when the batch
/// is full and when the run ends, however it ends: only a process crash loses one, of at most <see cref="BatchSize"/> links.
/// </summary>
/// <remarks>
/// Safe on several instances at once: a link is removed by a delete conditional on the version of its record as
/// listed, so exactly one purger removes (and audits) it and the others skip it; a link written since (a revocation)
/// is left for the next run. Links that have not ended yet keep everything the patient's list shows.
/// </remarks>
public sealed class ShareLinkPurge(ShareLinkStore links, CreateInteraction create, CallerContext callers, ShareLinkOptions options,
    TimeProvider clock, ILogger<ShareLinkPurge> logger)
{
    /// <summary>Removed links recorded per AuditEvent.</summary>
    public const int BatchSize = 100;
    /// <summary>The identifier system of a purged link in the AuditEvent: the link's id (the SHA-256 of its manifest id, no secret).</summary>
    public const string LinkSystem = "https://fhirportal.dev/share-link";
    private const string Subtypes = "https://fhirportal.dev/CodeSystem/share-link-event";

    /// <summary>Purges what is due; returns how many links this call removed.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var cutoff = now - options.PurgeAfter;
        var (every, loneRevocations) = await links.ListEveryAsync(ct);
        var batch = new List<StoredShareLink>();
        var purged = 0;
        try
        {
            foreach (var link in every)
            {
                if (Ended(link.State) <= cutoff)
                {
                    if (await links.DeleteAsync(link, ct)) batch.Add(link);
                }
                else if (link.State.Tickets.Any(t => t.Expires <= now))
                {
                    await links.DropExpiredTicketsAsync(link, now, ct);
                }
                if (batch.Count == BatchSize) purged += await AuditAsync(batch, cutoff, now);
            }
        }
        finally
        {
            // A run stopped partway (shutdown, a store error) still records what it removed.
            purged += await AuditAsync(batch, cutoff, now);
        }
        // Note: a revocation newer than the cutoff may belong to a link created after the listing: kept.
        foreach (var revocation in loneRevocations.Where(r => ShareLinkStore.RevokedAt(r) <= cutoff))
            await links.DeleteRevocationAsync(revocation, ct);
        return purged;
    }

    /// <summary>When a link stopped answering for good: its revocation or its expiry, whichever came first.</summary>
    public static DateTimeOffset Ended(ShareLinkState link) => link.Revoked is { } revoked && revoked < link.Expires ? revoked : link.Expires;

    /// <summary>Records the removed links (then clears the batch); returns how many there were.</summary>
    private async Task<int> AuditAsync(List<StoredShareLink> batch, DateTimeOffset cutoff, DateTimeOffset now)
    {
        var count = batch.Count;
        if (count == 0) return 0;
        var audit = Audit(batch, cutoff, now);
        batch.Clear();
        try
        {
            using var _ = callers.Use(Caller.Server);
            await create.CreateAsync("AuditEvent", audit, null, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The links are already gone (and this may run in a finally: it must not hide the error that ended the run); losing the record is logged loudly rather than retried blindly.
            logger.LogError(e, "Could not record the purge of {Count} share links", count);
        }
        return count;
    }

    /// <summary>
    /// One AuditEvent for a batch: the links by id only, no patient reference, so it stays out of the patients'
    /// access logs (housekeeping, not an access to their data); an administrator finds it by subtype.
    /// </summary>
    internal static AuditEvent Audit(IReadOnlyList<StoredShareLink> batch, DateTimeOffset cutoff, DateTimeOffset now) => new()
    {
        Type = new Coding("http://dicom.nema.org/resources/ontology/DCM", "110100", "Application Activity"),
        Subtype = [new Coding(Subtypes, "purge", "Share links purged")],
        Action = AuditEvent.AuditEventAction.D,
        Recorded = now,
        Outcome = AuditEvent.AuditEventOutcome.N0,
        OutcomeDesc = $"{batch.Count} share links that expired or were revoked before {cutoff:yyyy-MM-ddTHH:mm:ssZ} were removed for good.",
        Agent = [new AuditEvent.AgentComponent { Requestor = true, Name = "FhirPortal share-link purge" }],
        Source = new AuditEvent.SourceComponent { Site = "FhirPortal", Observer = new ResourceReference { Display = "FhirPortal share-link purge" } },
        Entity = [.. batch.Select(link => new AuditEvent.EntityComponent
        {
            What = new ResourceReference { Identifier = new Identifier(LinkSystem, link.Id) },
            Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
            Description = link.State.Revoked is { } revoked && revoked < link.State.Expires ? "revoked" : "expired",
        })],
    };
}
