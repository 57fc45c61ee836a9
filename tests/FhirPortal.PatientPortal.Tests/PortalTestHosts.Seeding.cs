using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Billing;
using FhirPortal.Core.Interactions;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>What staff would enter in the back office (written through the server's transaction, as the server), and
/// what the server says the patient owes, to compare the portal with.</summary>
public sealed partial class PortalTestHosts
{
    private const string Profile = "http://fhirportal.org/fhir/StructureDefinition/";

    /// <summary>Writes <paramref name="resources"/> with PUT at their ids in one transaction, as the server itself.</summary>
    public async Task PutAsync(params Resource[] resources)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var r in resources)
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = r,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{r.TypeName}/{r.Id}" },
            });
        using var scope = Server.Services.CreateScope();
        using var _ = scope.ServiceProvider.GetRequiredService<CallerContext>().Use(Caller.Server);
        await scope.ServiceProvider.GetRequiredService<TransactionInteraction>().ExecuteAsync(FhirBase, bundle, ReturnPreference.Minimal, CancellationToken.None);
    }

    /// <summary>A guarantor Account of the patient with one issued statement of <paramref name="amount"/> USD due on <paramref name="due"/>.</summary>
    public static Resource[] Bill(string patient, string id, decimal amount, DateOnly due) =>
    [
        new Account
        {
            Id = id, Meta = new Meta { Profile = [Profile + "portal-account"] },
            Identifier = [new Identifier("http://fhirportal.org/fhir/sid/guarantor-id", "G-" + id)],
            Status = Account.AccountStatus.Active,
            Subject = [new ResourceReference("Patient/" + patient)],
            Guarantor = [new Account.GuarantorComponent { Party = new ResourceReference("Patient/" + patient) }],
        },
        new Invoice
        {
            Id = id + "-1", Meta = new Meta { Profile = [Profile + "portal-invoice"] },
            Status = Invoice.InvoiceStatus.Issued,
            Subject = new ResourceReference("Patient/" + patient),
            Date = due.AddDays(-30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Account = new ResourceReference("Account/" + id),
            TotalNet = new Money { Value = amount, Currency = Money.Currencies.USD },
            Extension = [new Extension(Profile + "invoice-due-date", new Date(due.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))],
        },
    ];

    /// <summary>A form the care team asks the patient to fill in: a Questionnaire and an open complete-questionnaire Task.</summary>
    public static Resource[] FormToFill(string patient, string id) =>
    [
        new Questionnaire
        {
            Id = id, Status = PublicationStatus.Active, Title = "Pre-visit questions",
            Item = [new Questionnaire.ItemComponent { LinkId = "1", Text = "How do you feel?", Type = Questionnaire.QuestionnaireItemType.String }],
        },
        new Hl7.Fhir.Model.Task
        {
            Id = id + "-task", Status = Hl7.Fhir.Model.Task.TaskStatus.Requested, Intent = Hl7.Fhir.Model.Task.TaskIntent.Order,
            Code = new CodeableConcept("http://fhirportal.org/fhir/CodeSystem/portal-task", "complete-questionnaire"),
            Focus = new ResourceReference("Questionnaire/" + id),
            For = new ResourceReference("Patient/" + patient),
            AuthoredOn = DateTimeOffset.UtcNow.ToString("o"),
        },
    ];

    /// <summary>What the patient owes according to the server: the sum of <c>$balance</c> over the Accounts they are subject of.</summary>
    public async Task<decimal> BalanceDueAsync(string patient)
    {
        using var scope = Server.Services.CreateScope();
        var services = scope.ServiceProvider;
        using var _ = services.GetRequiredService<CallerContext>().Use(Caller.Server);
        var page = await services.GetRequiredService<SearchInteraction>().ExecuteAsync(FhirBase, new SearchScope("Account"),
            [KeyValuePair.Create("subject", "Patient/" + patient), KeyValuePair.Create("_count", "100")], strict: true, CancellationToken.None);
        var total = 0m;
        foreach (var account in page.Entries.Where(e => e.SearchMode == Bundle.SearchEntryMode.Match && e.Resource is not null))
        {
            var balance = await services.GetRequiredService<BalanceOperation>().BalanceAsync(account.Resource!.Key.Id, CancellationToken.None);
            total += balance.GetSingleValue<Money>("balance")?.Value ?? 0;
        }
        return total;
    }
}
