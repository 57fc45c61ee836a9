using Hl7.Fhir.Model;

namespace FhirPortal.DataGen.Generation;

/// <summary>
/// Builds one patient's record: demographics, coverage and billing account, then a history of visits (appointment,
/// encounter, vitals, labs, prescriptions, claims) every ~two months up to <see cref="GeneratorOptions.AsOf"/>,
/// upcoming and cancelled appointments, and message threads with the care team.
/// </summary>
internal sealed partial class PatientBuilder
{
    // Rough resources per visit (appointment, slot, encounter, vitals, labs, claims, dispenses, messages): sizes the history.
    private const double ResourcesPerVisit = 15.5;
    private const int VisitIntervalDays = 60, MaxHistoryDays = 3650;

    private readonly GeneratorOptions _options;
    private readonly int _index;
    private readonly SeededRandom _random;
    private readonly List<GeneratedEntry> _entries = [];
    private readonly int _pcp;
    private readonly bool _diabetic, _hypertensive;
    private GeneratedEntry _patient = null!, _coverage = null!, _careTeam = null!;
    private string _patientName = "";

    public PatientBuilder(GeneratorOptions options, int index)
    {
        _options = options;
        _index = index;
        _random = SeededRandom.For(options.Seed, index);
        _pcp = _random.Next(SharedData.PractitionerCount(options.Patients));
        _diabetic = _random.Chance(0.3);
        _hypertensive = _random.Chance(0.45);
    }

    private DateOnly AsOf => _options.AsOf;

    public PatientRecord Build()
    {
        AddPatient();
        AddCoverage();
        AddCareTeam();
        var visits = Math.Max(2, (int)Math.Round((_options.ResourcesPerPatient - 9) / ResourcesPerVisit));
        // Visits every ~two months; a large record packs them closer so the history stays within ten years.
        var interval = Math.Min(VisitIntervalDays, MaxHistoryDays / (double)visits);
        var first = AsOf.AddDays(-(int)(visits * interval) - 1);
        var prescriptions = new List<Prescription>();
        for (var v = 0; v < visits; v++)
        {
            var day = first.AddDays((int)(v * interval) + _random.Between(0, (int)(interval / 3)));
            if (day >= AsOf) day = AsOf.AddDays(-1);
            AddVisit(v, day, prescriptions);
        }
        foreach (var prescription in prescriptions) AddDispenses(prescription);
        AddUpcomingAppointments();
        AddAccount();
        return new PatientRecord(_index, _entries);
    }

    private GeneratedEntry Add(Resource resource, bool put = false)
    {
        var uuid = _random.Uuid();
        resource.Id ??= uuid;
        var entry = new GeneratedEntry("urn:uuid:" + uuid, resource, put);
        _entries.Add(entry);
        return entry;
    }

    private ResourceReference PatientRef => _patient.Reference(_patientName);

    private static Meta Profile(string name) => new() { Profile = [Codes.PortalProfile + name] };

    private void AddPatient()
    {
        var female = _random.Chance(0.52);
        var given = _random.Pick(female ? Names.FemaleGiven : Names.MaleGiven);
        var family = _random.Pick(Names.Family);
        var (city, state, zip) = _random.Pick(Names.Cities);
        var birth = AsOf.AddDays(-_random.Between(25 * 365, 85 * 365));
        _patientName = $"{given} {family}";
        var patient = new Patient
        {
            Id = _options.FirstPatientId is { } fixedId && _index == 0 ? fixedId : null,
            Meta = Profile("portal-patient"),
            Identifier =
            [
                new Identifier(_options.MrnSystem, $"{_options.Seed}-{_index + 1:D7}")
                {
                    Use = Identifier.IdentifierUse.Usual,
                    Type = Codes.Concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
                },
            ],
            Active = true,
            Name = [new HumanName { Use = HumanName.NameUse.Official, Family = family, Given = [given] }],
            Gender = female ? AdministrativeGender.Female : AdministrativeGender.Male,
            BirthDate = Time.Date(birth),
            Telecom =
            [
                new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Mobile, $"555-{_random.Between(200, 999)}-{_random.Between(1000, 9999)}"),
                new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Home, $"{given}.{family}.{_index + 1}@example.org".ToLowerInvariant()),
            ],
            Address = [new Address { Use = Address.AddressUse.Home, Line = [$"{_random.Between(1, 999)} {_random.Pick(Names.Streets)}"], City = city, State = state, PostalCode = zip, Country = "US" }],
            Communication = [new Patient.CommunicationComponent { Language = Codes.Concept("urn:ietf:bcp:47", "en-US", "English (United States)"), Preferred = true }],
            GeneralPractitioner = [SharedData.Practitioner(_pcp)],
            ManagingOrganization = SharedData.Facility(_pcp),
        };
        _patient = Add(patient, put: patient.Id is not null);
    }

    private void AddCoverage()
    {
        var member = $"BSH{_options.Seed % 1000:D3}{_index + 1:D8}";
        _coverage = Add(new Coverage
        {
            Meta = Profile("portal-coverage"),
            Identifier = [new Identifier("http://baystatehealthplan.example.org/member-id", member) { Type = Codes.Concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MB", "Member Number") }],
            Status = FinancialResourceStatusCodes.Active,
            Type = Codes.Concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "EHCPOL", "extended healthcare"),
            PolicyHolder = SharedData.Employer,
            Subscriber = PatientRef,
            SubscriberId = member,
            Beneficiary = PatientRef,
            Relationship = Codes.Concept("http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self", "Self"),
            Period = new Period { Start = Time.Date(new DateOnly(AsOf.Year - 12, 1, 1)), End = Time.Date(new DateOnly(AsOf.Year, 12, 31)) },
            Payor = [SharedData.Payer],
            Class =
            [
                new Coverage.ClassComponent { Type = Codes.Concept("http://terminology.hl7.org/CodeSystem/coverage-class", "group", "Group"), Value = "ACME-4410", Name = "Acme Logistics employee plan" },
                new Coverage.ClassComponent { Type = Codes.Concept("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", "Plan"), Value = "PPO-GOLD", Name = "PPO Gold" },
            ],
        });
    }

    private void AddCareTeam()
    {
        _careTeam = Add(new CareTeam
        {
            Status = CareTeam.CareTeamStatus.Active,
            Name = $"Care team of {_patientName}",
            Subject = PatientRef,
            Participant =
            [
                new CareTeam.ParticipantComponent { Role = [Codes.Concept(Codes.Snomed, "446050000", "Primary care physician")], Member = SharedData.Practitioner(_pcp), OnBehalfOf = SharedData.Facility(_pcp) },
                new CareTeam.ParticipantComponent { Role = [Codes.Concept(Codes.Snomed, "116154003", "Patient")], Member = PatientRef },
            ],
            ManagingOrganization = [SharedData.Facility(_pcp)],
        });
    }
}
