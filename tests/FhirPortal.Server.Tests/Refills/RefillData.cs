using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Messaging;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// The messaging test host (security on, fake clock at <see cref="MessagingData.Now"/>, care teams of p1 and p2) with the
/// auto-refill worker off, plus builders for prescriptions, dispenses and the clients of the refill tests. The
/// controlled-substance list holds RxNorm <see cref="ControlledCode"/>.
/// </summary>
public sealed class RefillData : IDisposable
{
    public const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    public const string ControlledCode = "1049621"; // oxycodone 5 mg oral tablet
    public const string PlainCode = "197361"; // amlodipine 5 mg oral tablet
    public static readonly DateTimeOffset Now = MessagingData.Now;

    public RefillData(IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["FhirPortal:Refills:ControlledSubstances:0"] = $"{RxNorm}|{ControlledCode}",
        };
        Messaging = new MessagingData(all);
    }

    public MessagingData Messaging { get; }
    public FhirPortalHost Host => Messaging.Host;
    public HttpClient Staff => Messaging.Staff;

    public void Dispose() => Messaging.Dispose();

    /// <summary>A patient's app: its prescriptions, dispenses and refill Tasks, and messages.</summary>
    public HttpClient PatientApp(string patient) =>
        Host.ClientWith("patient/MedicationRequest.rs patient/MedicationDispense.rs patient/Task.crus patient/Communication.cruds patient/CareTeam.rs", patient: patient);

    /// <summary>A pharmacist or nurse signed in to the staff portal.</summary>
    public HttpClient StaffUser(string practitioner = "dr1") =>
        Host.ClientWith("user/Task.cruds user/MedicationRequest.rs user/MedicationDispense.rs user/Communication.cruds", fhirUser: $"Practitioner/{practitioner}");

    /// <summary>
    /// Stores a prescription of <paramref name="patient"/> (supply 30 d unless given) (prescriber dr1, pharmacy <c>Organization/pharmacy</c>
    /// unless <paramref name="pharmacy"/> is false) and completed dispenses handed over the given days before now.
    /// </summary>
    public async Task PrescribeAsync(string id, string patient = "p1", string status = "active", int? repeats = 3, string code = PlainCode,
        bool pharmacy = true, bool autoRefill = false, double supply = 30, string supplyUnit = "d", params double[] dispensedDaysAgo)
    {
        var dispenseRequest = new JsonObject
        {
            ["quantity"] = new JsonObject { ["value"] = 30, ["unit"] = "tablet" },
            ["expectedSupplyDuration"] = new JsonObject { ["value"] = supply, ["unit"] = supplyUnit, ["system"] = "http://unitsofmeasure.org", ["code"] = supplyUnit },
        };
        if (repeats is { } r) dispenseRequest["numberOfRepeatsAllowed"] = r;
        if (pharmacy) dispenseRequest["performer"] = new JsonObject { ["reference"] = "Organization/pharmacy" };
        var prescription = new JsonObject
        {
            ["resourceType"] = "MedicationRequest", ["id"] = id, ["status"] = status, ["intent"] = "order",
            ["medicationCodeableConcept"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = RxNorm, ["code"] = code }) },
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
            ["authoredOn"] = "2030-01-02",
            ["requester"] = new JsonObject { ["reference"] = "Practitioner/dr1" },
            ["dispenseRequest"] = dispenseRequest,
        };
        if (autoRefill)
            prescription["extension"] = new JsonArray(new JsonObject { ["url"] = "http://fhirportal.org/fhir/StructureDefinition/auto-refill", ["valueBoolean"] = true });
        var entries = new JsonArray(Put(prescription));
        for (var i = 0; i < dispensedDaysAgo.Length; i++)
            entries.Add(Put(Dispense($"{id}-fill-{i}", id, patient, Now.AddDays(-dispensedDaysAgo[i]))));
        var response = await Staff.PostAsync("", Fhir.Body(new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A completed dispense of the prescription handed over at <paramref name="handedOver"/>.</summary>
    public static JsonObject Dispense(string id, string prescription, string patient, DateTimeOffset handedOver) => new()
    {
        ["resourceType"] = "MedicationDispense", ["id"] = id, ["status"] = "completed",
        ["medicationCodeableConcept"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = RxNorm, ["code"] = PlainCode }) },
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
        ["authorizingPrescription"] = new JsonArray(new JsonObject { ["reference"] = $"MedicationRequest/{prescription}" }),
        ["whenHandedOver"] = handedOver.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    };

    /// <summary>A refill request Task as a client would POST it.</summary>
    public static JsonObject RefillTask(string prescription, string patient = "p1", string status = "requested") => new()
    {
        ["resourceType"] = "Task", ["status"] = status, ["intent"] = "order",
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://hl7.org/fhir/CodeSystem/task-code", ["code"] = "fulfill" }) },
        ["focus"] = new JsonObject { ["reference"] = $"MedicationRequest/{prescription}" },
        ["for"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
    };

    public static Task<HttpResponseMessage> RequestAsync(HttpClient client, string prescription) =>
        client.PostAsync($"MedicationRequest/{prescription}/$request-refill", null);

    /// <summary>The Task a successful $request-refill created.</summary>
    public static async Task<JsonObject> CreatedAsync(HttpResponseMessage response) => await MessagingData.CreatedAsync(response);

    /// <summary>The refill Tasks of a prescription, as staff see them.</summary>
    public async Task<JsonObject[]> TasksAsync(string prescription) =>
        [.. ((await (await Staff.GetAsync($"Task?focus=MedicationRequest/{prescription}")).ReadJsonAsync())["entry"]?.AsArray() ?? [])
            .Select(e => e!["resource"]!.AsObject())];

    public static Task<string> DiagnosticsAsync(HttpResponseMessage response) => MessagingData.DiagnosticsAsync(response);

    private static JsonObject Put(JsonObject resource) => new()
    {
        ["resource"] = resource,
        ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{resource["resourceType"]}/{resource["id"]}" },
    };
}
