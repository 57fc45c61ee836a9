using FhirPortal.Core.Billing;

namespace FhirPortal.Server.Endpoints;

/// <summary>Bills and payments: <c>GET Account/{id}/$balance</c>, <c>POST Invoice/{id}/$pay</c> and <c>GET Invoice/{id}/$statement</c>. Each parses the request, makes one call into Core/Billing and writes its result.</summary>
internal static class BillingEndpoints
{
    public static RouteGroupBuilder MapBillingApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/Account/{id}/$balance", [HttpMethods.Get, HttpMethods.Head], BalanceAsync)
            .WithSummary("an Account's balance, amount due and open invoices, computed from its Invoices and payments ($balance)");
        fhir.MapPost("/Invoice/{id}/$pay", PayAsync)
            .WithSummary("start paying an issued invoice on the payment provider's page; returns its url ($pay)");
        fhir.MapMethods("/Invoice/{id}/$statement", [HttpMethods.Get, HttpMethods.Head], StatementAsync).WithMetadata(StatementRoute)
            .WithSummary("the printable statement of an invoice: _format=pdf (default) or html ($statement)");
        return fhir;
    }

    /// <summary>Marks the statement route, whose non-FHIR <c>_format</c> the group's format check lets through.</summary>
    private static readonly object StatementRoute = new();

    /// <summary>A request to <c>Invoice/{id}/$statement</c> (answers PDF or HTML, not FHIR).</summary>
    public static bool IsStatement(HttpContext context) => context.GetEndpoint()?.Metadata.Contains(StatementRoute) == true;

    private static async Task StatementAsync(HttpContext context, string id, StatementOperation statements)
    {
        var format = context.Request.Query["_format"].ToString().ToLowerInvariant();
        if (format is not ("" or "pdf" or "application/pdf" or "html" or "text/html"))
            throw Core.FhirOutcomeException.Single(406, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported, $"_format '{format}' is not a statement format; use pdf or html.");
        var statement = await statements.StatementAsync(id, context.RequestAborted);
        var html = format is "html" or "text/html";
        var bytes = html ? System.Text.Encoding.UTF8.GetBytes(Billing.StatementDocuments.Html(statement)) : Billing.StatementDocuments.Pdf(statement);
        context.Response.ContentType = html ? "text/html; charset=utf-8" : "application/pdf";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method)) await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
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
