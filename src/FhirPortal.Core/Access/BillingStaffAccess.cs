namespace FhirPortal.Core.Access;

/// <summary>
/// Bills are written by billing staff (issue 22): with a <c>user/</c> grant, only a user in the portal's <c>billing</c>
/// role (<see cref="Caller.BillingStaff"/>, from the token) creates, updates or deletes Accounts, Invoices, ChargeItems and
/// PaymentReconciliations; other staff read them. <c>system/</c> clients are decided by their scopes alone, and patient
/// grants never write them (<see cref="PatientLinkedTypes"/>).
/// </summary>
internal static class BillingStaffAccess
{
    private static readonly HashSet<string> BillTypes = new(StringComparer.Ordinal) { "Account", "Invoice", "ChargeItem", "PaymentReconciliation" };

    /// <summary>Whether a <c>user/</c> grant of <paramref name="caller"/> may write <paramref name="type"/>.</summary>
    public static bool UserMayWrite(string type, Caller caller) => caller.BillingStaff || !BillTypes.Contains(type);
}
