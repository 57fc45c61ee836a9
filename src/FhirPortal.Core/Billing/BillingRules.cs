using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// Bill rules, run on every Invoice write (REST, transactions, operations): an Invoice's status flows
/// draft → issued → balanced or cancelled (entered-in-error from any), never back; balanced, cancelled and
/// entered-in-error are final; an Invoice that was issued is never deleted (cancel it), so no balance changes by a
/// vanished bill. Who may write bills at all is an access decision (patients never do, see Core/Access).
/// </summary>
internal sealed class BillingRules : IWriteRule
{
    private static readonly Dictionary<string, string[]> Next = new(StringComparer.Ordinal)
    {
        ["draft"] = ["draft", "issued", "cancelled", "entered-in-error"],
        ["issued"] = ["issued", "balanced", "cancelled", "entered-in-error"],
        ["balanced"] = ["balanced", "entered-in-error"],
        ["cancelled"] = ["cancelled"],
        ["entered-in-error"] = ["entered-in-error"],
    };

    public Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.Key.Type != "Invoice" || Parse(write.Previous) is not { } before) return Task.CompletedTask;
        var from = InvoiceAmounts.StatusCode(before);
        if (unit.ResourceOf(write.Version) is not Invoice after)
        {
            if (from is not "draft")
                throw FhirOutcomeException.MethodNotAllowed($"{write.Version.Key} is {from} and cannot be deleted; cancel it instead (status cancelled).");
            return Task.CompletedTask;
        }
        var to = InvoiceAmounts.StatusCode(after);
        if (Next.TryGetValue(from, out var allowed) && !allowed.Contains(to))
            throw FhirOutcomeException.Unprocessable(allowed.Length == 1
                ? $"{write.Version.Key} is {from}, which is final; its status cannot change to {to}."
                : $"{write.Version.Key} is {from}; its status may change only to {string.Join(" or ", allowed.Where(s => s != from))}, not to {to}.",
                "Invoice.status");
        return Task.CompletedTask;
    }

    private static Invoice? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as Invoice : null;
}
