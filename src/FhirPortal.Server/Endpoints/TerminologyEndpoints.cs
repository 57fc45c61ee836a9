using FhirPortal.Core;
using FhirPortal.Core.Terminology;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// The terminology operations (GET with URL parameters, or POST with a Parameters body) at type and instance level;
/// each parses the request, makes one call into <see cref="TerminologyOperations"/> and writes its result.
/// </summary>
internal static class TerminologyEndpoints
{
    private static readonly string[] GetAndPost = [HttpMethods.Get, HttpMethods.Post];

    private delegate Task<Resource> Operation(TerminologyOperations operations, string? id, TerminologyInput input, CancellationToken ct);

    public static RouteGroupBuilder MapTerminologyApi(this RouteGroupBuilder fhir)
    {
        Map(fhir, "ValueSet", "expand", async (o, id, i, ct) => await o.ExpandAsync(id, i, ct), "$expand a ValueSet (filter, count, offset)");
        Map(fhir, "ValueSet", "validate-code", async (o, id, i, ct) => await o.ValidateValueSetCodeAsync(id, i, ct), "$validate-code: is the code in the ValueSet");
        Map(fhir, "CodeSystem", "validate-code", async (o, id, i, ct) => await o.ValidateCodeSystemCodeAsync(id, i, ct), "$validate-code: is the code in the CodeSystem");
        Map(fhir, "CodeSystem", "subsumes", async (o, id, i, ct) => await o.SubsumesAsync(id, i, ct), "$subsumes: how two codes of a CodeSystem relate");
        Map(fhir, "ConceptMap", "translate", async (o, id, i, ct) => await o.TranslateAsync(id, i, ct), "$translate a code with a ConceptMap");
        fhir.MapMethods("/CodeSystem/$lookup", GetAndPost,
                (HttpContext c, TerminologyOperations o) => RunAsync(c, o, null, async (ops, _, i, ct) => await ops.LookupAsync(i, ct)))
            .WithSummary("$lookup a code in a CodeSystem");
        return fhir;
    }

    private static void Map(RouteGroupBuilder fhir, string type, string name, Operation operation, string summary)
    {
        fhir.MapMethods($"/{type}/${name}", GetAndPost, (HttpContext c, TerminologyOperations o) => RunAsync(c, o, null, operation))
            .WithSummary(summary);
        fhir.MapMethods($"/{type}/{{id}}/${name}", GetAndPost, (HttpContext c, string id, TerminologyOperations o) => RunAsync(c, o, id, operation))
            .WithSummary(summary + " (a stored one)");
    }

    private static async Task RunAsync(HttpContext context, TerminologyOperations operations, string? id, Operation operation)
    {
        Parameters? body = null;
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.ContentLength != 0
            && (context.Request.ContentLength is not null || context.Request.ContentType is not null))
        {
            var resource = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));
            body = resource as Parameters
                   ?? throw FhirOutcomeException.BadRequest($"A terminology operation's POST body must be a Parameters resource, not a {resource.TypeName}.");
        }
        var input = TerminologyInput.From(FhirRequest.Parameters(context.Request), body);
        await FhirOutput.WritePocoAsync(context, await operation(operations, id, input, context.RequestAborted), 200);
    }
}
