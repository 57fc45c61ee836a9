using Hl7.Fhir.Model;

namespace FhirPortal.DataGen.Generation;

/// <summary>
/// The resources every patient refers to: facilities, an employer and a payer (Organizations), Locations,
/// Practitioners with PractitionerRoles, their Schedules, and free Slots on the weekdays of the next 30 days. Ids are stable
/// (<c>dg-…</c>) and their content does not depend on the seed, so data sets of different seeds load into one server.
/// </summary>
public sealed class SharedData
{
    private static readonly (string Name, string City)[] FacilityNames =
        [("Springfield General Hospital", "Springfield"), ("Riverside Family Clinic", "Worcester"), ("Lakeside Medical Center", "Lowell")];

    public SharedData(GeneratorOptions options)
    {
        AsOf = options.AsOf;
        Practitioners = PractitionerCount(options.Patients);
    }

    /// <summary>One practitioner per ~50 patients keeps panels realistic; bounded so a huge run has a finite directory.</summary>
    public static int PractitionerCount(int patients) => Math.Clamp((patients + 49) / 50, 4, 200);

    public DateOnly AsOf { get; }
    public int Practitioners { get; }
    public int Facilities => FacilityNames.Length;

    public static ResourceReference Facility(int n) => new($"Organization/dg-facility-{n % FacilityNames.Length + 1}", FacilityNames[n % FacilityNames.Length].Name);
    public static ResourceReference Location(int n) => new($"Location/dg-location-{n % FacilityNames.Length + 1}");
    public static ResourceReference Employer => new("Organization/dg-employer-1", "Acme Logistics Inc.");
    public static ResourceReference Payer => new("Organization/dg-payer-1", "Bay State Health Plan");
    public static ResourceReference Practitioner(int n) => new($"Practitioner/dg-practitioner-{n + 1}");
    public static ResourceReference Role(int n) => new($"PractitionerRole/dg-role-{n + 1}");
    public static ResourceReference Schedule(int n) => new($"Schedule/dg-schedule-{n + 1}");

    /// <summary>The practitioner's display name, the same one their Practitioner resource carries.</summary>
    public static string PractitionerName(int n)
    {
        var random = SeededRandom.For(-1, n);
        var female = random.Chance(0.5);
        return $"Dr. {random.Pick(female ? Names.FemaleGiven : Names.MaleGiven)} {random.Pick(Names.Family)}";
    }

    public IEnumerable<GeneratedEntry> Entries()
    {
        // A fixed stream, not the run's seed: shared content is the same for every data set.
        var random = SeededRandom.For(-2, 0);
        GeneratedEntry Put(Resource r) => new("urn:uuid:" + random.Uuid(), r, Put: true);

        for (var f = 0; f < FacilityNames.Length; f++)
        {
            var (name, city) = FacilityNames[f];
            yield return Put(Organization($"dg-facility-{f + 1}", name, "prov", "Healthcare Provider", city));
            yield return Put(new Location
            {
                Id = $"dg-location-{f + 1}", Status = Hl7.Fhir.Model.Location.LocationStatus.Active, Name = $"{name} outpatient clinic",
                Extension = [new Extension("http://hl7.org/fhir/StructureDefinition/timezone", new Code(ClinicZone))],
                Mode = Hl7.Fhir.Model.Location.LocationMode.Instance, ManagingOrganization = Facility(f),
                Address = Address(f, city), Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Work, $"555-01{f:D2}-0000")],
            });
        }
        yield return Put(Organization("dg-employer-1", "Acme Logistics Inc.", "bus", "Non-Healthcare Business or Corporation", "Quincy"));
        yield return Put(Organization("dg-payer-1", "Bay State Health Plan", "pay", "Payer", "Cambridge"));

        for (var n = 0; n < Practitioners; n++)
        {
            foreach (var entry in PractitionerEntries(n, Put)) yield return entry;
        }
    }

    private IEnumerable<GeneratedEntry> PractitionerEntries(int n, Func<Resource, GeneratedEntry> put)
    {
        var random = SeededRandom.For(-1, n);
        var female = random.Chance(0.5);
        var given = random.Pick(female ? Names.FemaleGiven : Names.MaleGiven);
        var family = random.Pick(Names.Family);
        var specialty = Names.SpecialtyCodes[n % Names.SpecialtyCodes.Length];
        yield return put(new Practitioner
        {
            Id = $"dg-practitioner-{n + 1}", Active = true,
            Identifier = [new Identifier("http://hl7.org/fhir/sid/us-npi", (1_000_000_000L + 7919L * (n + 1)).ToString())],
            Name = [new HumanName { Family = family, Given = [given], Prefix = ["Dr."] }],
            Gender = female ? AdministrativeGender.Female : AdministrativeGender.Male,
            Qualification = [new Practitioner.QualificationComponent { Code = Codes.Concept("http://terminology.hl7.org/CodeSystem/v2-0360", "MD", "Doctor of Medicine") }],
        });
        yield return put(new PractitionerRole
        {
            Id = $"dg-role-{n + 1}", Active = true, Practitioner = Practitioner(n), Organization = Facility(n), Location = [Location(n)],
            Code = [Codes.Concept("http://terminology.hl7.org/CodeSystem/practitioner-role", "doctor", "Doctor")],
            Specialty = [Codes.Concept(Codes.Snomed, specialty.Code, specialty.Display)],
        });
        yield return put(new Schedule
        {
            Id = $"dg-schedule-{n + 1}", Meta = Profile("portal-schedule"), Active = true, Actor = [Practitioner(n), Role(n), Location(n)],
            ServiceType = [Codes.Concept("http://terminology.hl7.org/CodeSystem/service-type", "124", "General Practice")],
            PlanningHorizon = new Period { Start = Time.Date(AsOf.AddYears(-12)), End = Time.Date(AsOf.AddDays(90)) },
            Comment = $"Office hours of {PractitionerName(n)}",
        });
        // Free slots on every weekday of the next 30 days, so the demo server can book at once: mornings in person at
        // the practitioner's clinic, one virtual visit in the afternoon (Slot.serviceType visit-type, what $find filters on).
        var specialtyConcept = Codes.Concept(Codes.Snomed, specialty.Code, specialty.Display);
        for (var day = 1; day <= 30; day++)
        {
            var date = AsOf.AddDays(day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            var times = new[] { (9, 0, "in-person"), (9, 40, "in-person"), (10, 20, "in-person"), (11, 0, "in-person"), (14, 0, "virtual") };
            for (var k = 0; k < times.Length; k++)
            {
                var (hour, minute, visit) = times[k];
                var start = ClinicTime(date, hour, minute);
                yield return put(new Slot
                {
                    Id = $"dg-slot-{n + 1}-{date:yyyyMMdd}-{k + 1}", Meta = Profile("portal-slot"), Schedule = Schedule(n), Status = Slot.SlotStatus.Free,
                    Start = start, End = start.AddMinutes(20),
                    ServiceType = [Codes.Concept("http://terminology.hl7.org/CodeSystem/service-type", "124", "General Practice"), Codes.Concept(VisitTypeSystem, visit, visit == "virtual" ? "Virtual visit" : "In-person visit")],
                    Specialty = [specialtyConcept],
                });
            }
        }
    }

    /// <summary>The code system of a slot's visit type (in-person | virtual), as the server's $find reads it.</summary>
    public const string VisitTypeSystem = "http://fhirportal.org/fhir/CodeSystem/visit-type";

    /// <summary>The clinics' time zone (Massachusetts), also on each Location (extension timezone) for $find.</summary>
    public const string ClinicZone = "America/New_York";

    /// <summary>A wall-clock time at the clinics as a UTC instant (output bytes stay independent of the machine's zone).</summary>
    public static DateTimeOffset ClinicTime(DateOnly day, int hour, int minute)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(ClinicZone);
        var local = new DateTime(day.Year, day.Month, day.Day, hour, minute, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static Meta Profile(string name) => new() { Profile = [Codes.PortalProfile + name] };

    private static Organization Organization(string id, string name, string type, string typeDisplay, string city) => new()
    {
        Id = id, Active = true, Name = name,
        Type = [Codes.Concept("http://terminology.hl7.org/CodeSystem/organization-type", type, typeDisplay)],
        Address = [Address(name.Length, city)],
        Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Work, $"555-02{name.Length:D2}-1000")],
    };

    private static Address Address(int n, string city)
    {
        var place = Names.Cities.First(c => c.City == city);
        return new Address { Line = [$"{100 + n * 7} {Names.Streets[n % Names.Streets.Length]}"], City = city, State = place.State, PostalCode = place.Zip, Country = "US" };
    }
}
