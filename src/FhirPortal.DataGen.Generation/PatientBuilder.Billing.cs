using Hl7.Fhir.Model;
using static FhirPortal.DataGen.Generation.Codes;

namespace FhirPortal.DataGen.Generation;

internal sealed partial class PatientBuilder
{
    private static readonly Dictionary<string, (string Cpt, string Display, decimal Price)> LabServices = new()
    {
        ["51990-0"] = ("80048", "Basic metabolic panel", 45m),
        ["57698-3"] = ("80061", "Lipid panel", 60m),
        ["4548-4"] = ("83036", "Hemoglobin A1c", 40m),
    };

    private const decimal Coinsurance = 0.2m;
    private decimal _patientOwes;
    private GeneratedEntry? _lastClaimResponse;
    private readonly List<(DateOnly Day, decimal Share, GeneratedEntry Eob)> _bills = [];

    private static Money Usd(decimal value) => new() { Value = value, Currency = Money.Currencies.USD };

    private static CodeableConcept Adjudication(string code, string display) => Concept("http://terminology.hl7.org/CodeSystem/adjudication", code, display);

    /// <summary>The visit's professional claim, the payer's ClaimResponse, and the ExplanationOfBenefit the patient sees.</summary>
    private void AddClaims(GeneratedEntry encounter, DateOnly day, List<Panel> panels)
    {
        var service = _random.Pick(VisitServices);
        var lines = new List<(string Cpt, string Display, decimal Price)> { service };
        lines.AddRange(panels.Select(p => LabServices[p.Code]));
        var total = lines.Sum(l => l.Price);
        var patientShare = Math.Round(total * Coinsurance, 2);
        var created = Time.Text(Time.At(day, 18, 0));
        var type = Concept("http://terminology.hl7.org/CodeSystem/claim-type", "professional", "Professional");
        
        var claim = Add(new Claim
        {
            Meta = Profile("portal-claim"),
            Status = FinancialResourceStatusCodes.Active, Type = type, Use = ClaimUseCode.Claim,
            Patient = PatientRef, Created = created, Provider = SharedData.Facility(_pcp), Insurer = SharedData.Payer,
            Priority = Concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal", "Normal"),
            Insurance = [new Claim.InsuranceComponent { Sequence = 1, Focal = true, Coverage = _coverage.Reference() }],
            Item = lines.Select((l, i) => new Claim.ItemComponent
            {
                Sequence = i + 1, ProductOrService = Concept(Cpt, l.Cpt, l.Display), Serviced = new Date(Time.Date(day)),
                UnitPrice = Usd(l.Price), Net = Usd(l.Price), Encounter = [encounter.Reference()],
            }).ToList(),
            Total = Usd(total),
        });
        var paid = total - patientShare;
        // The payer settles about three weeks after the visit, but never after "today" (AsOf).
        var settled = day.AddDays(21) < AsOf ? day.AddDays(21) : AsOf.AddDays(-1);
        var delay = _random.Between(5, 20);
        var responded = day.AddDays(delay) < settled ? day.AddDays(delay) : settled;
        var itemAdjudication = lines.Select((l, i) => (Sequence: i + 1, l.Price)).ToList();
        var response = Add(new ClaimResponse
        {
            Status = FinancialResourceStatusCodes.Active, Type = type, Use = ClaimUseCode.Claim,
            Patient = PatientRef, Created = Time.Text(Time.At(responded, 9, 0)), Insurer = SharedData.Payer,
            Requestor = SharedData.Facility(_pcp), Request = claim.Reference(), Outcome = ClaimProcessingCodes.Complete, Disposition = "Claim settled as per contract.",
            Item = itemAdjudication.Select(a => new ClaimResponse.ItemComponent { ItemSequence = a.Sequence, Adjudication = ItemAdjudication(a.Price) }).ToList(),
            Total = [new ClaimResponse.TotalComponent { Category = Adjudication("submitted", "Submitted Amount"), Amount = Usd(total) },
                     new ClaimResponse.TotalComponent { Category = Adjudication("benefit", "Benefit Amount"), Amount = Usd(paid) }],
            Payment = new ClaimResponse.PaymentComponent { Type = Concept("http://terminology.hl7.org/CodeSystem/ex-paymenttype", "complete", "Complete"), Amount = Usd(paid), Date = Time.Date(settled) },
        });
        _lastClaimResponse = response;
        var eob = Add(new ExplanationOfBenefit
        {
            Status = ExplanationOfBenefit.ExplanationOfBenefitStatus.Active, Type = type, Use = ClaimUseCode.Claim,
            Patient = PatientRef, Created = Time.Text(Time.At(settled, 9, 0)), Insurer = SharedData.Payer, Provider = SharedData.Facility(_pcp),
            Claim = claim.Reference(), ClaimResponse = response.Reference(), Outcome = ClaimProcessingCodes.Complete,
            Insurance = [new ExplanationOfBenefit.InsuranceComponent { Focal = true, Coverage = _coverage.Reference() }],
            Item = lines.Select((l, i) => new ExplanationOfBenefit.ItemComponent
            {
                Sequence = i + 1, ProductOrService = Concept(Cpt, l.Cpt, l.Display), Serviced = new Date(Time.Date(day)),
                Net = Usd(l.Price), Encounter = [encounter.Reference()],
                Adjudication = ItemAdjudication(l.Price).Select(a => new ExplanationOfBenefit.AdjudicationComponent { Category = a.Category, Amount = a.Amount }).ToList(),
            }).ToList(),
            Total = [new ExplanationOfBenefit.TotalComponent { Category = Adjudication("submitted", "Submitted Amount"), Amount = Usd(total) },
                     new ExplanationOfBenefit.TotalComponent { Category = Adjudication("benefit", "Benefit Amount"), Amount = Usd(paid) }],
            Payment = new ExplanationOfBenefit.PaymentComponent { Amount = Usd(paid), Date = Time.Date(settled) },
        });
        // Visits of the last three months are not yet paid by the patient: that is the account's balance.
        if (day > AsOf.AddDays(-90)) _patientOwes += patientShare;
        if (day > AsOf.AddYears(-1)) _bills.Add((settled, patientShare, eob));
    }

    private static List<ClaimResponse.AdjudicationComponent> ItemAdjudication(decimal price) =>
    [
        new() { Category = Adjudication("submitted", "Submitted Amount"), Amount = Usd(price) },
        new() { Category = Adjudication("copay", "CoPay"), Amount = Usd(Math.Round(price * Coinsurance, 2)) },
        new() { Category = Adjudication("benefit", "Benefit Amount"), Amount = Usd(price - Math.Round(price * Coinsurance, 2)) },
    ];

    /// <summary>
    /// The patient's guarantor Account (guarantor ID as printed on statements) and a statement Invoice per visit of the
    /// last year, billing the EOB's patient responsibility: those of the last three months are open (issued), older ones
    /// were paid in full (balanced, with a card PaymentReconciliation). The balance is computed by Account/$balance.
    /// </summary>
    private void AddAccount()
    {
        var account = Add(new Account
        {
            Meta = Profile("portal-account"),
            Identifier = [new Identifier(GuarantorIdSystem, $"G{_options.Seed}-{_index + 1:D7}")],
            Status = Account.AccountStatus.Active,
            Type = Concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PBILLACCT", "patient billing account"),
            Name = $"{_patientName} — patient account",
            Subject = [PatientRef],
            ServicePeriod = new Period { Start = Time.Date(AsOf.AddYears(-1)), End = Time.Date(AsOf.AddYears(1)) },
            Coverage = [new Account.CoverageComponent { Coverage = _coverage.Reference(), Priority = 1 }],
            Owner = SharedData.Facility(_pcp),
            Guarantor = [new Account.GuarantorComponent { Party = PatientRef, OnHold = false }],
        });
        foreach (var (day, share, eob) in _bills)
        {
            var open = day > AsOf.AddDays(-90) || share == 0;
            var invoice = Add(new Invoice
            {
                Meta = Profile("portal-invoice"),
                Status = open ? Invoice.InvoiceStatus.Issued : Invoice.InvoiceStatus.Balanced,
                Type = Concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PBILLACCT", "patient billing account"),
                Subject = PatientRef, Account = account.Reference(), Date = Time.Text(Time.At(day, 6, 0)),
                Issuer = SharedData.Facility(_pcp),
                TotalGross = Usd(share), TotalNet = Usd(share),
                PaymentTerms = "Due within 30 days of the statement date.",
                Extension = [new Extension(InvoiceExplanationOfBenefit, eob.Reference())],
            });
            if (open) continue;
            var paid = day.AddDays(_random.Between(3, 25));
            Add(new PaymentReconciliation
            {
                Meta = Profile("portal-paymentreconciliation"),
                Status = FinancialResourceStatusCodes.Active, Created = Time.Text(Time.At(paid, 12, 0)),
                PaymentDate = Time.Date(paid), PaymentAmount = Usd(share), Outcome = ClaimProcessingCodes.Complete,
                Disposition = "Card payment through the patient portal.",
                Detail = [new PaymentReconciliation.DetailsComponent
                {
                    Type = Concept("http://terminology.hl7.org/CodeSystem/payment-type", "payment", "Payment"),
                    Request = invoice.Reference(), Date = Time.Date(paid), Amount = Usd(share),
                }],
            });
        }
        if (_patientOwes > 0 && _lastClaimResponse is not null)
            AddThread(AsOf.AddDays(-3), Time.At(AsOf.AddDays(-3), 8, 0), account, "billing");
    }

    private const string GuarantorIdSystem = "http://fhirportal.org/fhir/sid/guarantor-id";
    private const string InvoiceExplanationOfBenefit = "http://fhirportal.org/fhir/StructureDefinition/invoice-explanation-of-benefit";
}
