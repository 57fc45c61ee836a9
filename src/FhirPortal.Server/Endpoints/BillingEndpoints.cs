using FhirPortal.Core.Billing;

namespace FhirPortal.Server.Endpoints;

/// <summary>Bills and payments: <c>GET Account/{id}/$balance</c>. Each parses the request, makes one call into Core/Billing and writes its result.</summary>
internal static class BillingEndpoints
{
    public static RouteGroupBuilder MapBillingApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/Account/{id}/$balance", [HttpMethods.Get, HttpMethods.Head], BalanceAsync)
            .WithSummary("an Account's balance, amount due and open invoices, computed from its Invoices and payments ($balance)");
        return fhir;
    }

    private static async Task BalanceAsync(HttpContext context, string id, BalanceOperation balance) =>
        await FhirOutput.WritePocoAsync(context, await balance.BalanceAsync(id, context.RequestAborted), 200);
}
