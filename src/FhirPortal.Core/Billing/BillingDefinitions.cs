using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// The canonicals and search parameters of bills and payments (issue 22): the guarantor ID system, the Invoice
/// extensions, and the two search parameters R4 lacks (an Account's guarantor, the Invoices a payment settles).
/// </summary>
public static class BillingDefinitions
{
    /// <summary>The identifier system of the guarantor ID printed on paper statements (Account.identifier).</summary>
    public const string GuarantorIdSystem = "http://fhirportal.org/fhir/sid/guarantor-id";

    /// <summary>Invoice extension: the date the invoice is due (valueDate); without it, Invoice.date + 30 days.</summary>
    public const string DueDateUrl = "http://fhirportal.org/fhir/StructureDefinition/invoice-due-date";

    /// <summary>Invoice extension: an ExplanationOfBenefit whose patient responsibility the invoice bills (valueReference).</summary>
    public const string ExplanationOfBenefitUrl = "http://fhirportal.org/fhir/StructureDefinition/invoice-explanation-of-benefit";

    /// <summary>Days an Invoice without a due date extension has from its date.</summary>
    public const int DefaultPaymentTermDays = 30;

    /// <summary><c>guarantor</c> on Account: <c>Account.guarantor.party</c>.</summary>
    public static SearchParameter AccountGuarantor() => new()
    {
        Id = "account-guarantor",
        Url = "http://fhirportal.org/fhir/SearchParameter/account-guarantor",
        Version = "1.0.0",
        Name = "AccountGuarantor",
        Status = PublicationStatus.Active,
        Publisher = "FhirPortal",
        Description = new Markdown("The party responsible for an Account's balance (guarantor.party); a patient sees the accounts they are guarantor of."),
        Code = "guarantor",
        Base = [ResourceType.Account],
        Type = SearchParamType.Reference,
        Expression = "Account.guarantor.party",
        XpathUsage = SearchParameter.XPathUsageType.Normal,
        Target = [ResourceType.Patient, ResourceType.RelatedPerson, ResourceType.Organization],
    };

    /// <summary><c>invoice</c> on PaymentReconciliation: <c>PaymentReconciliation.detail.request</c>.</summary>
    public static SearchParameter PaymentInvoice() => new()
    {
        Id = "paymentreconciliation-invoice",
        Url = "http://fhirportal.org/fhir/SearchParameter/paymentreconciliation-invoice",
        Version = "1.0.0",
        Name = "PaymentReconciliationInvoice",
        Status = PublicationStatus.Active,
        Publisher = "FhirPortal",
        Description = new Markdown("The Invoices a payment settles (detail.request); R4's request parameter names a Task."),
        Code = "invoice",
        Base = [ResourceType.PaymentReconciliation],
        Type = SearchParamType.Reference,
        Expression = "PaymentReconciliation.detail.request",
        XpathUsage = SearchParameter.XPathUsageType.Normal,
        Target = [ResourceType.Invoice],
    };
}
