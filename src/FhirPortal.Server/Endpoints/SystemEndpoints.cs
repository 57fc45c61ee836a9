using FhirPortal.Core;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>System-level interactions: capabilities, batch/transaction, and system history.</summary>
internal static class SystemEndpoints
{
    public static async Task Metadata(HttpContext context, CapabilityStatementBuilder builder, Core.Validation.ConformanceResources conformance)
    {
        var baseUrl = FhirBase.Of(context);
        var version = typeof(SystemEndpoints).Assembly.GetName().Version?.ToString() ?? "0";
        var statement = builder.Current(baseUrl, version);
        var copy = (CapabilityStatement)statement.DeepCopy();
        ValidationCapabilities.Add(copy, conformance);
        await FhirOutput.WritePocoAsync(context, copy, 200);
    }

    public static async Task Bundle(HttpContext context, BatchInteraction batch, TransactionInteraction transaction)
    {
        var body = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxRequestBytes(context));
        if (body is not Hl7.Fhir.Model.Bundle bundle)
            throw FhirOutcomeException.BadRequest($"POST to the base expects a batch or transaction Bundle, not a {body.TypeName}.");
        var baseUrl = FhirBase.Of(context);
        var preference = FhirRequest.ReturnPreference(context.Request);
        var result = bundle.Type switch
        {
            Hl7.Fhir.Model.Bundle.BundleType.Transaction => await transaction.ExecuteAsync(baseUrl, bundle, preference, context.RequestAborted),
            Hl7.Fhir.Model.Bundle.BundleType.Batch => await batch.ExecuteAsync(baseUrl, bundle, preference, context.RequestAborted),
            _ => throw FhirOutcomeException.BadRequest($"POST to the base expects Bundle.type batch or transaction, not '{bundle.Type}'.", "Bundle.type"),
        };
        await FhirOutput.WriteBundleAsync(context, result, baseUrl);
    }

    public static async Task History(HttpContext context, HistoryInteraction history)
    {
        var baseUrl = FhirBase.Of(context);
        var bundle = await history.ExecuteAsync(baseUrl, null, null, FhirRequest.Parameters(context.Request), context.RequestAborted);
        await FhirOutput.WriteBundleAsync(context, bundle, baseUrl);
    }

    public static async Task InstanceHistory(HttpContext context, string type, string id, HistoryInteraction history)
    {
        var baseUrl = FhirBase.Of(context);
        var bundle = await history.ExecuteAsync(baseUrl, ResourceTypes.Require(type), id, FhirRequest.Parameters(context.Request), context.RequestAborted);
        await FhirOutput.WriteBundleAsync(context, bundle, baseUrl);
    }

    public static Task Search(HttpContext context, SearchInteraction search) =>
        TypeEndpoints.RunSearchAsync(context, new SearchScope(null), search);
}
