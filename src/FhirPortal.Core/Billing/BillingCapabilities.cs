using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// The OperationDefinitions of bills and payments (<c>Account/$balance</c>, <c>Invoice/$pay</c>, <c>Invoice/$statement</c>): listed in the CapabilityStatement and stored at start-up through
/// <see cref="FeatureDefinitions"/> (<c>[base]/OperationDefinition/{id}</c>).
/// </summary>
public static class BillingCapabilities
{
    /// <summary>The OperationDefinitions of bills and payments (R4 operationdefinition.html).</summary>
    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        new()
        {
            Id = "Account-balance",
            Url = "http://fhirportal.org/fhir/OperationDefinition/Account-balance",
            Name = "AccountBalance",
            Title = "Balance of a guarantor account",
            Status = PublicationStatus.Active,
            Kind = OperationDefinition.OperationKind.Operation,
            Code = "balance",
            Resource = [ResourceType.Account],
            System = false,
            Type = false,
            Instance = true,
            AffectsState = false,
            Description = "The Account's balance computed now from its Invoices (issued and balanced ones bill totalNet, or the patient " +
                          "responsibility of the ExplanationOfBenefits they name) minus active PaymentReconciliations (detail.request = the Invoice). " +
                          "Never below zero: an overpayment is credit. For whoever may read the Account (a patient: as subject or guarantor).",
            Parameter =
            [
                Out("balance", FHIRAllTypes.Money, "1", "What is owed now (0 when paid up or in credit)."),
                Out("credit", FHIRAllTypes.Money, "0", "Paid beyond what was billed (present only when positive)."),
                Out("amountDue", FHIRAllTypes.Money, "1", "The amount to pay by dueDate: the balance."),
                Out("dueDate", FHIRAllTypes.Date, "0", "The earliest due date of the open invoices (invoice-due-date, else date + 30 days)."),
                new()
                {
                    Name = "invoice", Use = OperationParameterUse.Out, Min = 0, Max = "*",
                    Documentation = "Each open Invoice (issued, not paid in full): reference, open amount, due date.",
                    Part =
                    [
                        Out("reference", FHIRAllTypes.Reference, "1", "The Invoice."),
                        Out("open", FHIRAllTypes.Money, "1", "What is left to pay on it."),
                        Out("dueDate", FHIRAllTypes.Date, "1", "When it is due."),
                    ],
                },
            ],
        },
        new()
        {
            Id = "Invoice-pay",
            Url = "http://fhirportal.org/fhir/OperationDefinition/Invoice-pay",
            Name = "InvoicePay",
            Title = "Pay an invoice online",
            Status = PublicationStatus.Active,
            Kind = OperationDefinition.OperationKind.Operation,
            Code = "pay",
            Resource = [ResourceType.Invoice],
            System = false,
            Type = false,
            Instance = true,
            AffectsState = false,
            Description = "Starts a card or bank payment of an issued Invoice on the payment provider's page (Stripe Checkout) and returns its url; " +
                          "the server never sees card numbers. The amount defaults to what is open on the Invoice and may not exceed it. The same attempt " +
                          "returns the same session (idempotency key per attempt). The payment is recorded as a PaymentReconciliation when the provider's " +
                          "signed webhook confirms it. For whoever may read the Invoice; 501 when no provider is configured.",
            Parameter =
            [
                In("amount", FHIRAllTypes.Decimal, "How much to pay, in the Invoice's currency (default: the open amount)."),
                In("attempt", FHIRAllTypes.String, "The client's id of this payment attempt (1-64 letters, digits, '-'); repeat it to get the same session."),
                Out("url", FHIRAllTypes.Uri, "1", "The provider's payment page: send the patient there."),
                Out("session", FHIRAllTypes.String, "1", "The provider's session id."),
                Out("attempt", FHIRAllTypes.String, "1", "The attempt id used (generated when not given)."),
                Out("amount", FHIRAllTypes.Money, "1", "The amount the session asks for."),
            ],
        },
    ];

    private static OperationDefinition.ParameterComponent In(string name, FHIRAllTypes type, string documentation) => new()
    {
        Name = name, Use = OperationParameterUse.In, Min = 0, Max = "1", Type = type, Documentation = documentation,
    };

    private static OperationDefinition.ParameterComponent Out(string name, FHIRAllTypes type, string min, string documentation) => new()
    {
        Name = name, Use = OperationParameterUse.Out, Min = min == "1" ? 1 : 0, Max = "1", Type = type, Documentation = documentation,
    };
}
