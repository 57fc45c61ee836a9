using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// <c>Appointment/$find</c> (IHE ITI-115): proposed Appointments built from free Slots, soonest first, each naming its
/// slot, the schedule's actors (practitioner, location, ...) and its time in the location's time zone. Only slots
/// beyond the lead time and inside their schedule's planning horizon; held (unless lapsed) and booked slots never.
/// One store query over Slot (status, start range, specialty, service type, schedule) sorted by start, keyset paged.
/// </summary>
public sealed class AppointmentFinder(IResourceStore store, SearchQueryParser parser, FhirLimits limits, CallerContext callers, TimeProvider clock, SchedulingOptions options)
{
    /// <summary>The R4 core extension naming a Location's IANA time zone (valueCode, e.g. America/Chicago).</summary>
    public const string TimeZoneUrl = "http://hl7.org/fhir/StructureDefinition/timezone";

    public async Task<BundleResult> FindAsync(string baseUrl, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var request = FindRequest.Parse(parameters);
        var access = callers.Current;
        access.Require("Slot", Permissions.Search);
        var patient = request.Patient ?? OwnPatient(access);
        // Note: a patient's app finds times only for its own patient.
        if (patient is not null) access.RequirePatientRecord(patient);

        var now = clock.GetUtcNow();
        var from = request.Start is { } start && start > now + options.LeadTime ? start : now + options.LeadTime;
        var to = request.End ?? from.AddDays(14);
        var criteria = new List<KeyValuePair<string, string>>
        {
            new("status", "free,busy-tentative"),
            new("start", "ge" + FindRequest.Instant(from)),
            new("start", "lt" + FindRequest.Instant(to)),
            new("_sort", "start"),
        };
        criteria.AddRange(request.Specialties.Select(s => new KeyValuePair<string, string>("specialty", s)));
        criteria.AddRange(request.ServiceTypes.Select(s => new KeyValuePair<string, string>("service-type", s)));
        if (request.VisitType is { } visit) criteria.Add(new("service-type", $"{FindRequest.VisitTypeSystem}|{visit}"));
        if (request.VisitTypeTokens.Count > 0) criteria.Add(new("service-type", string.Join(",", request.VisitTypeTokens)));
        if (request.Count is { } count) criteria.Add(new("_count", count));
        if (request.Cursor is { } cursor) criteria.Add(new("_cursor", cursor));
        var cache = new Dictionary<ResourceKey, Resource?>();
        if (request.Practitioners.Count > 0 || request.Locations.Count > 0)
        {
            var schedules = await SchedulesAsync(request, cache, ct);
            if (schedules.Count == 0) return Result(baseUrl, parameters, [], null, null);
            criteria.Add(new("schedule", string.Join(",", schedules.Select(id => "Schedule/" + id))));
        }

        SearchQuery query;
        try { query = parser.Parse("Slot", criteria, limits.DefaultPageSize, limits.MaxPageSize).Query; }
        catch (SearchParameterException e) { throw FhirOutcomeException.BadRequest(e.Message, e.Parameter); }
        Page page;
        try { page = await store.SearchAsync(query, ct); }
        catch (ArgumentException e) { throw FhirOutcomeException.BadRequest(e.Message, "_cursor"); }

        var slots = page.Entries.Select(e => (Stored: e, Slot: (Slot)FhirParser.ParseStored(e.Json.Span))).ToList();
        await PrefetchAsync("Schedule", slots.Select(s => s.Slot.Schedule), cache, ct);
        await PrefetchAsync("Location", cache.Values.OfType<Schedule>().SelectMany(s => s.Actor), cache, ct);
        var proposals = new List<BundleEntryResult>();
        foreach (var (stored, slot) in slots)
        {
            if (slot.Status == Slot.SlotStatus.BusyTentative && !(AppointmentStates.HoldExpires(slot) is { } expires && expires <= now)) continue;
            if (await ResolveAsync(slot.Schedule, cache, ct) is not Schedule schedule) continue;
            var horizon = schedule.PlanningHorizon;
            if (horizon?.StartElement?.ToDateTimeOffset(TimeSpan.Zero) is { } hs && slot.Start < hs) continue;
            if (horizon?.EndElement?.ToDateTimeOffset(TimeSpan.Zero) is { } he && slot.End > he) continue;
            proposals.Add(new BundleEntryResult(null, await ProposeAsync(slot, stored.Key.Id, schedule, patient, cache, ct), Bundle.SearchEntryMode.Match));
        }
        return Result(baseUrl, parameters, proposals, query.Cursor, page.NextCursor);
    }

    private async Task<Appointment> ProposeAsync(Slot slot, string slotId, Schedule schedule, string? patient, Dictionary<ResourceKey, Resource?> cache, CancellationToken ct)
    {
        TimeZoneInfo? zone = null;
        foreach (var actor in schedule.Actor.Where(a => a.Reference?.StartsWith("Location/", StringComparison.Ordinal) == true))
            if (await ResolveAsync(actor, cache, ct) is Location { } location && location.GetExtensionValue<Code>(TimeZoneUrl)?.Value is { } id
                && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
                zone = found;
        var appointment = new Appointment
        {
            Status = Appointment.AppointmentStatus.Proposed,
            Start = Local(slot.Start, zone),
            End = Local(slot.End, zone),
            Slot = [new ResourceReference($"Slot/{slotId}")],
            ServiceCategory = [.. slot.ServiceCategory],
            ServiceType = [.. slot.ServiceType],
            Specialty = [.. slot.Specialty],
            AppointmentType = slot.AppointmentType,
        };
        if (patient is not null)
            appointment.Participant.Add(new Appointment.ParticipantComponent { Actor = new ResourceReference($"Patient/{patient}"), Status = ParticipationStatus.NeedsAction });
        foreach (var actor in schedule.Actor)
            appointment.Participant.Add(new Appointment.ParticipantComponent { Actor = new ResourceReference(actor.Reference) { Display = actor.Display }, Status = ParticipationStatus.Accepted });
        return appointment;
    }

    /// <summary>Schedules whose actors include one of the practitioners and one of the locations asked for.</summary>
    private async Task<List<string>> SchedulesAsync(FindRequest request, Dictionary<ResourceKey, Resource?> cache, CancellationToken ct)
    {
        var criteria = new List<KeyValuePair<string, string>> { new("_count", limits.MaxPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        if (request.Practitioners.Count > 0) criteria.Add(new("actor", string.Join(",", request.Practitioners.Select(p => "Practitioner/" + p))));
        if (request.Locations.Count > 0) criteria.Add(new("actor", string.Join(",", request.Locations.Select(l => "Location/" + l))));
        var query = parser.Parse("Schedule", criteria, limits.MaxPageSize, limits.MaxPageSize).Query;
        var ids = new List<string>();
        for (string? cursor = null; ;)
        {
            var page = await store.SearchAsync(query with { Cursor = cursor }, ct);
            foreach (var stored in page.Entries)
            {
                var schedule = (Schedule)FhirParser.ParseStored(stored.Json.Span);
                cache[stored.Key] = schedule;
                if (schedule.Active != false) ids.Add(stored.Key.Id);
            }
            if ((cursor = page.NextCursor) is null) return ids;
        }
    }

    /// <summary>
    /// Reads the referenced resources of one type not yet in the cache with one search by id, so a page costs two
    /// store queries (its schedules, then their locations) instead of a read per slot and actor.
    /// </summary>
    private async Task PrefetchAsync(string type, IEnumerable<ResourceReference?> references, Dictionary<ResourceKey, Resource?> cache, CancellationToken ct)
    {
        var ids = references.Select(r => r?.Reference?.Split('/') is [.., var t, var id] && t == type ? id : null)
            .OfType<string>().Where(id => !cache.ContainsKey(new ResourceKey(type, id))).Distinct().ToList();
        if (ids.Count == 0) return;
        var page = await store.SearchAsync(new SearchQuery(type, [new IdCondition(ids)], ids.Count), ct);
        foreach (var id in ids) cache[new ResourceKey(type, id)] = null; // deleted or unknown: as a read would find
        foreach (var stored in page.Entries) cache[stored.Key] = FhirParser.ParseStored(stored.Json.Span);
    }

    private async Task<Resource?> ResolveAsync(ResourceReference? reference, Dictionary<ResourceKey, Resource?> cache, CancellationToken ct)
    {
        if (reference?.Reference?.Split('/') is not [.., var type, var id]) return null;
        var key = new ResourceKey(type, id);
        if (!cache.TryGetValue(key, out var resource))
            cache[key] = resource = await store.ReadAsync(key, ct) is { IsDeleted: false } stored ? FhirParser.ParseStored(stored.Json.Span) : null;
        return resource;
    }

    private static DateTimeOffset? Local(DateTimeOffset? at, TimeZoneInfo? zone) =>
        at is { } value && zone is not null ? TimeZoneInfo.ConvertTime(value, zone) : at;

    /// <summary>The launch patient of a patient's app (or the patient user), who is the one a proposal is for.</summary>
    private static string? OwnPatient(CallerAccess access) =>
        !SchedulingRules.IsPatient(access) ? null
        : access.Caller.PatientId ?? (access.Caller.FhirUser?.Split('/') is [.., "Patient", var id] ? id : null);

    private static BundleResult Result(string baseUrl, IReadOnlyList<KeyValuePair<string, string>> parameters, List<BundleEntryResult> entries, string? cursor, string? next) =>
        new(Bundle.BundleType.Searchset, entries,
            PagingLinks.Build(baseUrl, "Appointment/$find", parameters.Where(p => FindRequest.Names.Contains(p.Key)), cursor, next), entries.Count == 0 && cursor is null ? 0 : null);
}
