using FhirPortal.Core;
using FhirPortal.Core.Forms;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// <c>$validate</c> (https://hl7.org/fhir/R4/resource-operation-validate.html) at type and instance level. The body
/// is the resource, or a Parameters with <c>resource</c>, <c>mode</c> and <c>profile</c> (also accepted in the URL).
/// The answer is 200 with an OperationOutcome listing every issue, valid or not. Modes create and update apply the
/// write policy (required profiles) as a real write would. A QuestionnaireResponse is also checked against its
/// Questionnaire, as its writes are.
/// </summary>
internal static class ValidateEndpoints
{
    public static RouteGroupBuilder MapValidationApi(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/{type}/$validate", Type).WithSummary("$validate a resource (mode, profile)");
        fhir.MapPost("/{type}/{id}/$validate", Instance).WithSummary("$validate against an existing resource (mode update/delete)");
        return fhir;
    }

    private static Task Type(HttpContext context, string type, FormResponses validation, ReadInteraction read) =>
        RunAsync(context, ResourceTypes.Require(type), null, validation, read);

    private static Task Instance(HttpContext context, string type, string id, FormResponses validation, ReadInteraction read) =>
        RunAsync(context, ResourceTypes.Require(type), id, validation, read);

    private static async Task RunAsync(HttpContext context, string type, string? id, FormResponses validation, ReadInteraction read)
    {
        var query = FhirRequest.Parameters(context.Request);
        var mode = query.LastOrDefault(p => p.Key == "mode").Value;
        var profiles = query.Where(p => p.Key == "profile").Select(p => p.Value).ToList();
        Resource? resource = null;
        if (context.Request.ContentLength is not 0 && (context.Request.ContentLength is not null || context.Request.ContentType is not null))
        {
            var body = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));
            if (body is Parameters parameters && (type != "Parameters" || parameters.Parameter.Any(p => p.Name == "resource")))
            {
                resource = parameters.Parameter.FirstOrDefault(p => p.Name == "resource")?.Resource;
                mode = (parameters.Parameter.FirstOrDefault(p => p.Name == "mode")?.Value as PrimitiveType)?.ToString() ?? mode;
                profiles.AddRange(parameters.Parameter.Where(p => p.Name == "profile").Select(p => (p.Value as PrimitiveType)?.ToString()).OfType<string>());
            }
            else resource = body;
        }
        if (mode is not (null or "create" or "update" or "delete"))
            throw FhirOutcomeException.BadRequest($"mode '{mode}' is not one of create, update, delete.", "Parameters.parameter.where(name='mode')");

        if (mode == "delete")
        {
            if (id is null) throw FhirOutcomeException.BadRequest("mode=delete needs an instance: POST [type]/[id]/$validate.");
            var current = await read.ReadAsync(new ResourceKey(type, id), context.RequestAborted);
            await FhirOutput.WritePocoAsync(context, Outcomes.Information($"{current.Key} exists and no rule on this server prevents deleting it."), 200);
            return;
        }
        if (resource is null) throw FhirOutcomeException.BadRequest("$validate needs a resource: the body, or a Parameters 'resource' part.");
        if (resource.TypeName != type)
            throw FhirOutcomeException.Unprocessable($"The resource is a {resource.TypeName}, the URL names {type}.", "resourceType");
        var outcome = await validation.ValidateAsync(resource, profiles, asWrite: mode is "create" or "update", context.RequestAborted);
        if (mode == "update" && (resource.Id is null || id is not null && resource.Id != id))
        {
            outcome.Issue.RemoveAll(i => i.Severity == OperationOutcome.IssueSeverity.Information && i.Code == OperationOutcome.IssueType.Informational);
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = OperationOutcome.IssueType.Invalid,
                Diagnostics = OutcomeText.Bound(resource.Id is null ? "An update needs the resource's id." : $"The resource's id '{resource.Id}' differs from '{id}' in the URL."),
                Expression = [$"{type}.id"],
            });
        }
        await FhirOutput.WritePocoAsync(context, outcome, 200);
    }
}
