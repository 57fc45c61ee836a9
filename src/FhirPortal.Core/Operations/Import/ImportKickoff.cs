using FhirPortal.Core.Access;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// Reads a <c>$import</c> request in the Microsoft FHIR server's Parameters shape (inputFormat, inputSource, mode, and
/// repeated <c>input</c> parts with <c>type</c> and <c>url</c>; plus this server's <c>validate</c>) and turns it into a
/// job state. Every value the server cannot honour is a 400 OperationOutcome, before any job exists.
/// </summary>
public sealed class ImportKickoff(ImportSources sources, ImportOptions options, TimeProvider clock)
{
    private static readonly HashSet<string> InputFormats = ["application/fhir+ndjson", "application/ndjson", "ndjson"];
    // Both of the Microsoft server's modes load the same way here: create-or-update with the files' ids.
    private static readonly HashSet<string> Modes = ["InitialLoad", "IncrementalLoad"];

    public async Task<ImportJobState> ParseAsync(Parameters? parameters, string owner, string requestUrl, CallerAccess access, CancellationToken ct)
    {
        // Bulk loading writes any resource of any patient: backend systems (system/*.u or broader) and administrators only.
        if (!access.Caller.Administrator) access.RequireSystem("$import", null);
        if (parameters is null) throw FhirOutcomeException.BadRequest("$import needs a Parameters body with inputFormat and at least one input.");
        string? format = null, source = null;
        var validate = options.Validate;
        var inputs = new List<ImportInput>();
        foreach (var parameter in parameters.Parameter)
        {
            var expression = $"Parameters.parameter[{parameters.Parameter.IndexOf(parameter)}]";
            switch (parameter.Name)
            {
                case "inputFormat": format = Text(parameter, expression); break;
                case "inputSource": source = Text(parameter, expression); break;
                case "mode":
                    var mode = Text(parameter, expression);
                    if (!Modes.Contains(mode))
                        throw FhirOutcomeException.BadRequest($"mode '{mode}' is not supported; use InitialLoad or IncrementalLoad (both create or update with the files' ids).", expression);
                    break;
                case "validate":
                    validate = parameter.Value is FhirBoolean { Value: { } flag } ? flag
                        : throw FhirOutcomeException.BadRequest("validate must be a valueBoolean.", expression);
                    break;
                case "input": inputs.Add(await InputAsync(parameter, expression, ct)); break;
                case "storageDetail":
                    // The Microsoft server names where inputs live; here the URL's scheme says it.
                    if (parameter.Part.FirstOrDefault(p => p.Name == "type") is { } kind && Text(kind, expression) is not ("https" or "http" or "file"))
                        throw FhirOutcomeException.BadRequest("storageDetail type must be https, http or file.", expression);
                    break;
                default:
                    throw FhirOutcomeException.BadRequest(
                        $"$import does not support the parameter '{parameter.Name}'; it takes inputFormat, inputSource, mode, validate and input (type, url).", expression);
            }
        }
        if (format is null || !InputFormats.Contains(format))
            throw FhirOutcomeException.BadRequest($"inputFormat must be application/fhir+ndjson{(format is null ? "" : $", not '{format}'")}.", "Parameters.parameter");
        if (inputs.Count == 0) throw FhirOutcomeException.BadRequest("$import needs at least one input (type and url).", "Parameters.parameter");
        return new ImportJobState
        {
            Status = ImportJobState.Running,
            Owner = owner,
            Access = access.Caller,
            Request = requestUrl,
            TransactionTime = clock.GetUtcNow(),
            Inputs = inputs,
            Validate = validate,
            InputSource = source,
            Imported = new long[inputs.Count],
            Rejected = new long[inputs.Count],
        };
    }

    private async Task<ImportInput> InputAsync(Parameters.ParameterComponent input, string expression, CancellationToken ct)
    {
        string? type = null, url = null;
        foreach (var part in input.Part)
        {
            switch (part.Name)
            {
                case "type": type = Text(part, expression); break;
                case "url": url = Text(part, expression); break;
                case "etag": break; // the Microsoft shape's optional blob etag; inputs are read as they are when the job runs
                default: throw FhirOutcomeException.BadRequest($"An input takes the parts type and url, not '{part.Name}'.", expression);
            }
        }
        if (type is null || !ModelInfo.IsKnownResource(type) || type is "Resource" or "DomainResource")
            throw FhirOutcomeException.BadRequest($"Each input needs type, a resource type{(type is null ? "" : $" ('{type}' is not one)")}.", expression);
        if (url is null) throw FhirOutcomeException.BadRequest("Each input needs url.", expression);
        return new ImportInput(type, await sources.CheckAsync(url, expression, ct));
    }

    private static string Text(Parameters.ParameterComponent parameter, string expression) =>
        parameter.Value is PrimitiveType primitive && primitive.ToString() is { Length: > 0 } text
            ? text
            : throw FhirOutcomeException.BadRequest($"{parameter.Name} needs a value.", expression);
}
