using System.Text.Json;
using System.Text.Json.Nodes;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Patching;

/// <summary>An RFC 6902 JSON Patch (application/json-patch+json), applied to the resource's FHIR JSON form.</summary>
public sealed class JsonPatchDocument : IResourcePatch
{
    // Server-written JSON may nest deeper than STJ's default of 64; the FHIR parser enforces the real limit afterwards.
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 1024 };

    private readonly IReadOnlyList<JsonPatchOperation> operations;
    private readonly FhirParser parser;

    private JsonPatchDocument(IReadOnlyList<JsonPatchOperation> operations, FhirParser parser)
    {
        this.operations = operations;
        this.parser = parser;
    }

    public static JsonPatchDocument Parse(ReadOnlySpan<byte> body, FhirParser parser)
    {
        // The same checks as a resource body: UTF-8, no lone surrogates or control characters in its strings.
        JsonPreScan.CheckPatch(body, DocumentOptions.MaxDepth);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body, documentOptions: DocumentOptions);
        }
        catch (JsonException e)
        {
            throw FhirOutcomeException.BadRequest($"The JSON Patch document is not valid JSON: {e.Message}");
        }
        if (root is not JsonArray array)
            throw FhirOutcomeException.BadRequest("A JSON Patch document is a JSON array of operations.");
        return new JsonPatchDocument([.. array.Select((node, i) => JsonPatchOperation.Read(node, i))], parser);
    }

    public Resource Apply(Resource current)
    {
        var document = JsonNode.Parse(FhirSerializer.ToJsonBytes(current), documentOptions: DocumentOptions);
        foreach (var operation in operations)
            document = operation.Apply(document);
        if (document is not JsonObject)
            throw FhirOutcomeException.Unprocessable("The patched document is not a JSON object, so it is not a FHIR resource.");
        try
        {
            return parser.ParseJson(JsonSerializer.SerializeToUtf8Bytes(document));
        }
        catch (FhirOutcomeException e) when (e.Status == 400)
        {
            // The patch document was well-formed; it is the resource it produces that is invalid.
            throw new FhirOutcomeException(422, e.Outcome);
        }
    }
}
