using FhirPortal.Core.Forms;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// SDC <c>Questionnaire/$populate</c> and <c>Questionnaire/{id}/$populate</c> (GET with URL parameters, or POST with a
/// Parameters body): parses the input, makes one call into <see cref="FormPopulation"/> and answers with Parameters
/// holding the pre-filled <c>response</c>.
/// </summary>
internal static class FormsEndpoints
{
    public static RouteGroupBuilder MapFormsApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/Questionnaire/$populate", [HttpMethods.Get, HttpMethods.Post], (HttpContext context, FormPopulation population) => PopulateAsync(context, null, population))
            .WithSummary("pre-fill a QuestionnaireResponse from the record (SDC $populate: subject, questionnaire | canonical | identifier)");
        fhir.MapMethods("/Questionnaire/{id}/$populate", [HttpMethods.Get, HttpMethods.Post], (HttpContext context, string id, FormPopulation population) => PopulateAsync(context, id, population))
            .WithSummary("pre-fill a QuestionnaireResponse to this Questionnaire from the record (SDC $populate: subject)");
        return fhir;
    }

    private static async System.Threading.Tasks.Task PopulateAsync(HttpContext context, string? id, FormPopulation population)
    {
        var input = await InputAsync(context);
        await FhirOutput.WritePocoAsync(context, await population.PopulateAsync(id, input, context.RequestAborted), 200);
    }

    /// <summary>The POST body's Parameters, plus URL parameters as the parts they stand for.</summary>
    private static async Task<Parameters> InputAsync(HttpContext context)
    {
        var input = new Parameters();
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.ContentLength is not 0 && (context.Request.ContentLength is not null || context.Request.ContentType is not null))
        {
            var body = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));
            input = body as Parameters ?? throw Core.FhirOutcomeException.BadRequest($"$populate's POST body must be a Parameters resource, not a {body.TypeName}.");
        }
        foreach (var (name, value) in FhirRequest.Parameters(context.Request))
            input.Parameter.Add(name switch
            {
                "subject" => new Parameters.ParameterComponent { Name = name, Value = new ResourceReference(value) },
                _ => new Parameters.ParameterComponent { Name = name, Value = new FhirString(value) },
            });
        return input;
    }
}
