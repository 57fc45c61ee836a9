using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>
/// A host with security on and the production profiles (Account, Invoice and PaymentReconciliation must conform to
/// the portal profiles), and builders for guarantor accounts, invoices, EOBs and payments. Patients need not exist.
/// </summary>
public sealed class BillingData : IDisposable
{
    public const string GuarantorIdSystem = "http://fhirportal.org/fhir/sid/guarantor-id";
    private const string Profile = "http://fhirportal.org/fhir/StructureDefinition/";

    public BillingData(IDictionary<string, string?>? settings = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var all = ValidationHosts.Production();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        Host = AccessHost.Create(all, services);
        Staff = Host.SystemClient();
    }

    public FhirPortalHost Host { get; }

    /// <summary>Billing back office (a backend client): system/*.cruds.</summary>
    public HttpClient Staff { get; }

    public void Dispose() => Host.Dispose();

    /// <summary>A patient's app with read access to their bills (and, to show it is refused, write scopes on them).</summary>
    public HttpClient PatientApp(string patient) =>
        Host.ClientWith("patient/Account.rs patient/Invoice.cruds patient/PaymentReconciliation.cruds", patient: patient);

    /// <summary>Writes <paramref name="resources"/> with PUT at their ids in one transaction (the staff client).</summary>
    public async Task PutAsync(params JsonObject[] resources)
    {
        var entries = new JsonArray([.. resources.Select(r => (JsonNode)new JsonObject
        {
            ["resource"] = r.DeepClone(),
            ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{r["resourceType"]}/{r["id"]}" },
        })]);
        var response = await Staff.PostAsync("", Fhir.Body(new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A Patient born on <paramref name="birthDate"/>, with what the portal-patient profile requires.</summary>
    public static JsonObject Patient(string id, string birthDate) => new()
    {
        ["resourceType"] = "Patient", ["id"] = id,
        ["identifier"] = new JsonArray(new JsonObject
        {
            ["type"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v2-0203", ["code"] = "MR" }) },
            ["system"] = "http://hospital.example.org/mrn", ["value"] = id,
        }),
        ["name"] = new JsonArray(new JsonObject { ["family"] = "Doe", ["given"] = new JsonArray(id) }),
        ["gender"] = "unknown", ["birthDate"] = birthDate,
    };

    /// <summary>A guarantor account of <paramref name="guarantor"/> covering <paramref name="subject"/>.</summary>
    public static JsonObject Account(string id, string subject, string guarantor, string guarantorId) => new()
    {
        ["resourceType"] = "Account", ["id"] = id,
        ["meta"] = new JsonObject { ["profile"] = new JsonArray(Profile + "portal-account") },
        ["identifier"] = new JsonArray(new JsonObject { ["system"] = GuarantorIdSystem, ["value"] = guarantorId }),
        ["status"] = "active",
        ["subject"] = new JsonArray(Ref($"Patient/{subject}")),
        ["guarantor"] = new JsonArray(new JsonObject { ["party"] = Ref($"Patient/{guarantor}") }),
    };

    /// <summary>An invoice on <paramref name="account"/> for <paramref name="subject"/>; <paramref name="net"/> null: it bills <paramref name="eobs"/>.</summary>
    public static JsonObject Invoice(string id, string account, string subject, string status, decimal? net, string date = "2030-03-01", string? due = null, params string[] eobs)
    {
        var invoice = new JsonObject
        {
            ["resourceType"] = "Invoice", ["id"] = id,
            ["meta"] = new JsonObject { ["profile"] = new JsonArray(Profile + "portal-invoice") },
            ["status"] = status,
            ["subject"] = Ref($"Patient/{subject}"),
            ["date"] = date,
            ["account"] = Ref($"Account/{account}"),
        };
        var extensions = new JsonArray([.. eobs.Select(e => (JsonNode)new JsonObject { ["url"] = Profile + "invoice-explanation-of-benefit", ["valueReference"] = Ref($"ExplanationOfBenefit/{e}") })]);
        if (due is not null) extensions.Add(new JsonObject { ["url"] = Profile + "invoice-due-date", ["valueDate"] = due });
        if (extensions.Count > 0) invoice["extension"] = extensions;
        if (net is { } value) invoice["totalNet"] = Money(value);
        return invoice;
    }

    /// <summary>A payment of <paramref name="amount"/> on one invoice.</summary>
    public static JsonObject Payment(string id, string invoice, decimal amount, string status = "active") => new()
    {
        ["resourceType"] = "PaymentReconciliation", ["id"] = id,
        ["meta"] = new JsonObject { ["profile"] = new JsonArray(Profile + "portal-paymentreconciliation") },
        ["status"] = status, ["created"] = "2030-03-05T10:00:00Z", ["paymentDate"] = "2030-03-05",
        ["paymentAmount"] = Money(amount),
        ["detail"] = new JsonArray(new JsonObject
        {
            ["type"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/payment-type", ["code"] = "payment" }) },
            ["request"] = Ref($"Invoice/{invoice}"),
            ["amount"] = Money(amount),
        }),
    };

    /// <summary>An EOB of <paramref name="patient"/>: submitted and benefit totals (the patient owes the difference).</summary>
    public static JsonObject Eob(string id, string patient, decimal submitted, decimal benefit) => new()
    {
        ["resourceType"] = "ExplanationOfBenefit", ["id"] = id, ["status"] = "active",
        ["type"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/claim-type", ["code"] = "professional" }) },
        ["use"] = "claim", ["patient"] = Ref($"Patient/{patient}"), ["created"] = "2030-02-20",
        ["insurer"] = Ref("Organization/payer"), ["provider"] = Ref("Organization/clinic"),
        ["outcome"] = "complete",
        ["insurance"] = new JsonArray(new JsonObject { ["focal"] = true, ["coverage"] = Ref("Coverage/cov") }),
        ["total"] = new JsonArray(Total("submitted", submitted), Total("benefit", benefit)),
    };

    /// <summary>The named out parameter's value (Money → its value; date → the string), or null.</summary>
    public static JsonNode? Out(JsonNode parameters, string name) =>
        parameters["parameter"]!.AsArray().FirstOrDefault(p => (string?)p!["name"] == name) is { } p
            ? p["valueMoney"]?["value"] ?? p["valueDate"]
            : null;

    /// <summary>The open invoices of a $balance answer as "Invoice/id=open".</summary>
    public static IEnumerable<string> OpenInvoices(JsonNode parameters) =>
        parameters["parameter"]!.AsArray().Where(p => (string?)p!["name"] == "invoice").Select(p =>
        {
            var parts = p!["part"]!.AsArray();
            JsonNode Part(string n) => parts.First(x => (string?)x!["name"] == n)!;
            return $"{Part("reference")["valueReference"]!["reference"]}={(decimal)Part("open")["valueMoney"]!["value"]!}";
        });

    private static JsonObject Total(string code, decimal amount) => new()
    {
        ["category"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/adjudication", ["code"] = code }) },
        ["amount"] = Money(amount),
    };

    private static JsonObject Money(decimal value) => new() { ["value"] = value, ["currency"] = "USD" };

    private static JsonObject Ref(string reference) => new() { ["reference"] = reference };
}
