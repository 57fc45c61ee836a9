using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Patching;

/// <summary>A FHIRPath Patch (a <see cref="Parameters"/> body of "operation" parameters, FHIR R4 fhirpatch.html).</summary>
public sealed class FhirPathPatchDocument : IResourcePatch
{
    private readonly IReadOnlyList<FhirPathPatchOperation> operations;
    private readonly FhirParser parser;

    private FhirPathPatchDocument(IReadOnlyList<FhirPathPatchOperation> operations, FhirParser parser)
    {
        this.operations = operations;
        this.parser = parser;
    }

    /// <summary>Reads and checks the operations; a malformed document is a 400.</summary>
    public static FhirPathPatchDocument FromParameters(Parameters parameters, FhirParser parser)
    {
        var operations = new List<FhirPathPatchOperation>();
        for (var i = 0; i < parameters.Parameter.Count; i++)
        {
            var parameter = parameters.Parameter[i];
            if (parameter.Name != "operation")
                throw FhirOutcomeException.BadRequest(
                    $"FHIRPath Patch parameter {i} is named '{parameter.Name}'; every parameter of a patch is an 'operation'.",
                    $"Parameters.parameter[{i}].name");
            operations.Add(FhirPathPatchOperation.Read(parameter, i));
        }
        if (operations.Count == 0)
            throw FhirOutcomeException.BadRequest("The FHIRPath Patch has no operations.");
        return new FhirPathPatchDocument(operations, parser);
    }

    public Resource Apply(Resource current)
    {
        var patched = (Resource)current.DeepCopy();
        foreach (var operation in operations)
            operation.Apply(patched);
        try
        {
            // The POCO accepts values the wire format forbids (a bad code, an empty element), so the result goes
            // through the same strict parser as any other write.
            return parser.ParseJson(FhirSerializer.ToJsonBytes(patched));
        }
        catch (FhirOutcomeException e) when (e.Status == 400)
        {
            throw new FhirOutcomeException(422, e.Outcome);
        }
    }
}
