using FhirPortal.Core;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// A <c>$name</c> in the URL that no operation route took is an operation this server does not implement: 400
/// saying so, at system, type and instance level, whatever the method (not a 404 about an unknown type or id).
/// </summary>
internal static class UnknownOperations
{
    /// <summary>Runs before every FHIR endpoint: a route value such as <c>{type}</c> or <c>{id}</c> holding <c>$name</c>.</summary>
    public static void Refuse(HttpContext context)
    {
        foreach (var (_, value) in context.Request.RouteValues)
            if (value is string name && name.StartsWith('$'))
                throw FhirOutcomeException.Single(400, OperationOutcome.IssueType.NotSupported,
                    $"The operation '{name}' is not supported on {context.Request.Path} by this server (see the CapabilityStatement for the operations it has).");
    }

    /// <summary>
    /// Routes for methods no interaction takes at these paths, so <c>POST [type]/$x</c> and <c>POST [type]/[id]/$x</c>
    /// reach <see cref="Refuse"/>; anything else there stays a 405.
    /// </summary>
    public static void MapFallbacks(RouteGroupBuilder fhir)
    {
        fhir.MapPost("/{type}/{id}", NotAllowed).ExcludeFromDescription();
        fhir.MapPost("/{type}/{id}/{operation}", NotAllowed).ExcludeFromDescription();
    }

    private static IResult NotAllowed(HttpContext context) =>
        throw FhirOutcomeException.MethodNotAllowed($"{context.Request.Method} is not allowed on {context.Request.Path}.");
}
