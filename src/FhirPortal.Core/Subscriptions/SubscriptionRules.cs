using FhirPortal.Core.Access;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// The Subscription write rules, run on every write (REST, transactions): a client's Subscription must name a known
/// topic, <c>patient</c> filters and a rest-hook endpoint the server may call (<see cref="EndpointGuard"/>); a patient's
/// app may subscribe only to its own patient. The server sets status <c>requested</c> (the worker's handshake makes it
/// active), records the writer's access for delivery-time checks, keeps its counters and stores header values protected. Writes that trigger a topic
/// stage their events (<see cref="SubscriptionEvents"/>).
/// </summary>
internal sealed class SubscriptionRules(SubscriptionEvents events, ISubscriptionSecrets secrets, IOptions<SubscriptionOptions> options) : IWriteRule
{
    private static readonly string[] PayloadTypes = ["application/fhir+json", "application/json"];

    public async Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.Key.Type != "Subscription")
        {
            // Event records are the server's: a forged one could announce a fake event or push the delivered number on.
            if (!write.ByServer && (IsEventRecord(write.Version) || IsEventRecord(write.Previous)))
                throw FhirOutcomeException.Forbidden("Subscription event records are kept by the server; they cannot be created, changed or deleted.");
            await events.RecordAsync(unit, write, ct);
            return;
        }
        if (write.ByServer || write.Version.IsDeleted || unit.ResourceOf(write.Version)?.DeepCopy() is not Subscription subscription) return;
        await CheckAsync(subscription, unit.Access, ct);

        var previous = write.Previous is { IsDeleted: false } p ? FhirParser.ParseStored(p.Json.Span) as Subscription : null;
        foreach (var url in Backport.ServerKept) subscription.RemoveExtension(url);
        if (previous is not null)
            foreach (var url in new[] { Backport.EventCount, Backport.Delivered, Backport.LastSent })
                if (previous.GetExtension(url) is { } kept) subscription.Extension.Add(kept);
        subscription.Extension.Add(SubscriptionView.OwnerExtension(unit.Access.Caller));
        var owner = SubscriptionOwnerSearch.Of(unit.Access.Caller, OwnPatient(unit.Access));
        SubscriptionOwnerSearch.Stamp(subscription, owner);
        ChannelHeaders.Protect(subscription, write.Version.Key.Id, previous, secrets);
        subscription.Error = null;
        // Any change by a client asks for a new handshake (unless it turns the subscription off).
        if (subscription.Status != Subscription.SubscriptionStatus.Off)
        {
            subscription.Status = Subscription.SubscriptionStatus.Requested;
            if (!unit.Access.IsUnrestricted) await CheckCapAsync(unit, owner, write.Version.Key.Id, ct);
        }
        await unit.StageForRule(subscription, write.Version.Key.Id, ct);
    }

    /// <summary>
    /// At most <see cref="SubscriptionOptions.MaxPerOwner"/> requested or active subscriptions per client and user: a
    /// business rule on what is stored (422), not a request rate (429), since waiting does not lift it; deleting or turning
    /// one off does. The unit's own staged subscriptions count in place of their stored versions, so one transaction
    /// cannot create more than the cap. Racing creates of one owner may each see room (the count is not locked).
    /// </summary>
    private async Task CheckCapAsync(UnitOfWork unit, (string User, string? Client) owner, string id, CancellationToken ct)
    {
        var max = options.Value.MaxPerOwner;
        var staged = unit.StagedOf("Subscription").Where(v => v.Key.Id != id).ToList();
        var stored = await unit.Store.SearchAsync(SubscriptionOwnerSearch.Live(owner, id, max + staged.Count), ct);
        var live = stored.Entries.Count(e => !unit.HasStaged(e.Key))
                   + staged.Count(v => unit.ResourceOf(v) is Subscription s && SubscriptionOwnerSearch.IsLive(s, owner));
        if (live >= max)
            throw FhirOutcomeException.Single(422, OperationOutcome.IssueType.BusinessRule,
                $"This app already has {max} requested or active subscriptions for {owner.User} (FhirPortal:Subscriptions:MaxPerOwner); delete one or set its status to off first.");
    }

    private async Task CheckAsync(Subscription subscription, CallerAccess access, CancellationToken ct)
    {
        var topic = SubscriptionTopics.Find(SubscriptionView.Topic(subscription))
                    ?? throw FhirOutcomeException.Unprocessable(
                        $"Subscription.criteria must be the canonical URL of a topic this server supports: {string.Join(", ", SubscriptionTopics.All.Select(t => t.Url))}.",
                        "Subscription.criteria");
        var patients = new List<string>();
        foreach (var filter in SubscriptionView.Filters(subscription))
        {
            var q = filter.IndexOf('?');
            if ((q > 0 && !topic.ResourceTypes.Contains(filter[..q])) || SubscriptionView.FilterPatient(filter) is not { } patient
                || !patient.StartsWith("Patient/", StringComparison.Ordinal) || patient.Length == "Patient/".Length || patient.Contains('&'))
                throw FhirOutcomeException.Unprocessable(
                    $"The filter '{filter}' is not supported: topics filter by patient only (patient=Patient/[id], or [type]?patient=Patient/[id] for a type of the topic).",
                    "Subscription.criteria");
            patients.Add(patient);
        }
        if (subscription.Channel?.Type != Subscription.SubscriptionChannelType.RestHook)
            throw FhirOutcomeException.Unprocessable("Only rest-hook channels are supported.", "Subscription.channel.type");
        if (subscription.Channel.Payload is { } mime && !PayloadTypes.Contains(mime))
            throw FhirOutcomeException.Unprocessable("Subscription.channel.payload must be application/fhir+json.", "Subscription.channel.payload");
        if (subscription.Channel.PayloadElement?.GetExtensionValue<Code>(Backport.PayloadContent)?.Value is { } content
            && content is not ("empty" or "id-only" or "full-resource"))
            throw FhirOutcomeException.Unprocessable("backport-payload-content must be empty, id-only or full-resource.", "Subscription.channel.payload");
        if (subscription.Channel.Header.OfType<string>().Any(h => h.Contains('\n') || h.Contains('\r') || !h.Contains(':')))
            throw FhirOutcomeException.Unprocessable("Each Subscription.channel.header must be one 'Name: value' line.", "Subscription.channel.header");
        var o = options.Value;
        if (EndpointGuard.RefuseUrl(subscription.Channel.Endpoint, o) is { } badUrl)
            throw FhirOutcomeException.Unprocessable(badUrl, "Subscription.channel.endpoint");
        if (await EndpointGuard.RefuseAddressAsync(new Uri(subscription.Channel.Endpoint!), o, ct) is { } badAddress)
            throw FhirOutcomeException.Unprocessable(badAddress, "Subscription.channel.endpoint");

        // A patient's app hears only about its patient: it must filter by that patient, and by no other.
        if (OwnPatient(access) is { } own && (patients.Count == 0 || patients.Any(p => p != $"Patient/{own}")))
            throw FhirOutcomeException.Forbidden($"A patient's app may subscribe only with the filter patient=Patient/{own}.");
    }

    /// <summary>Whether a version is a Basic the server keeps for subscriptions: its event code system, or a Subscription as subject.</summary>
    private static bool IsEventRecord(FhirPortal.Storage.StoredResource? version) =>
        version is { IsDeleted: false, Key.Type: "Basic" } && FhirParser.ParseStored(version.Json.Span) is Basic basic
        && (basic.Code?.Coding.Any(c => c.System == Backport.EventCodeSystem) == true
            || basic.Subject?.Reference?.StartsWith("Subscription/", StringComparison.Ordinal) == true);

    /// <summary>The patient a caller is bound to when its Subscription grant is a patient one (a patient app or patient user).</summary>
    private static string? OwnPatient(CallerAccess access) => SubscriptionOwnerSearch.OwnPatient(access.Caller, access.IsUnrestricted);
}
