using FhirPortal.Core.Billing;

namespace FhirPortal.Server.Endpoints;

/// <summary>Bills and payments: <c>GET Account/{id}/$balance</c> and <c>POST Invoice/{id}/$pay</c>. Each parses the request, makes one call into Core/Billing and writes its result.</summary>
internal static class BillingEndpoints
{
    public static RouteGroupBuilder MapBillingApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/Account/{id}/$balance", [HttpMethods.Get, HttpMethods.Head], BalanceAsync)
            .WithSummary("an Account's balance, amount due and open invoices, computed from its Invoices and payments ($balance)");
        fhir.MapPost("/Invoice/{id}/$pay", PayAsync)
            .WithSummary("start paying an issued invoice on the payment provider's page; returns its url ($pay)");
        return fhir;
    }

    private static async Task PayAsync(HttpContext context, string id, PayOperation pay)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        string? Value(string name) => parameters.LastOrDefault(p => p.Key == name).Value;
        decimal? amount = null;
        if (Value("amount") is { } text)
            amount = decimal.TryParse(text, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Core.FhirOutcomeException.BadRequest($"amount '{text}' is not a decimal number.", "Parameters.parameter.where(name='amount')");
        await FhirOutput.WritePocoAsync(context, await pay.PayAsync(id, amount, Value("attempt"), context.RequestAborted), 200);
    }

    private static async Task BalanceAsync(HttpContext context, string id, BalanceOperation balance) =>
        await FhirOutput.WritePocoAsync(context, await balance.BalanceAsync(id, context.RequestAborted), 200);
}
