using FhirPortal.Core.Billing;
using FhirPortal.Core.Messaging;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// "Statement ready" notices: an Invoice that is created issued or becomes issued, for its patient: the Invoice's
/// subject, else the patients among its Account's guarantors, else the Account's subject. One per invoice and
/// patient (identifier <c>statement/{id}/{patient}</c>); no amounts in the text. An Invoice dated (<c>date</c>) longer
/// than <see cref="NotificationOptions.NoticeMaxAge"/> ago (imported billing history) is not announced.
/// </summary>
internal static class BillingNotices
{
    public const string Text = "A new statement is ready in your portal.";

    public static async Task<IReadOnlyList<Notice>> OfAsync(UnitOfWork unit, StagedWrite write, NotificationOptions options, CancellationToken ct)
    {
        if (unit.ResourceOf(write.Version) is not Invoice after || InvoiceAmounts.StatusCode(after) != "issued") return [];
        if (options.IsHistory(after.DateElement?.ToDateTimeOffset(TimeSpan.Zero), unit.Now)) return [];
        if (Parse<Invoice>(write.Previous) is { } before && InvoiceAmounts.StatusCode(before) == "issued") return [];
        var id = write.Version.Key.Id;
        return [.. (await PatientsAsync(unit, after, ct)).Select(patient => new Notice(patient, "billing",
            new ResourceReference($"Invoice/{id}"), "New statement", Text, $"statement/{id}/{patient}"))];
    }

    private static async Task<IReadOnlyList<string>> PatientsAsync(UnitOfWork unit, Invoice invoice, CancellationToken ct)
    {
        if (PatientId(invoice.Subject) is { } subject) return [subject];
        if (MessageReferences.Local(invoice.Account?.Reference) is not ["Account", var accountId]
            || await unit.CurrentAsync(new ResourceKey("Account", accountId), ct) is not { } current || unit.ResourceOf(current) is not Account account)
            return [];
        List<string> guarantors = [.. account.Guarantor.Where(g => g.Period?.End is null).Select(g => PatientId(g.Party)).OfType<string>().Distinct()];
        return guarantors.Count > 0 ? guarantors : [.. account.Subject.Select(PatientId).OfType<string>().Distinct()];
    }

    private static string? PatientId(ResourceReference? reference) =>
        MessageReferences.Local(reference?.Reference) is ["Patient", var id] ? id : null;

    private static T? Parse<T>(StoredResource? version) where T : Resource =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as T : null;
}
