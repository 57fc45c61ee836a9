using Hl7.Fhir.Model;

namespace FhirPortal.Core.Patching;

/// <summary>A parsed patch document (JSON Patch or FHIRPath Patch) that produces the patched resource.</summary>
public interface IResourcePatch
{
    /// <summary>Returns the patched resource; throws a 400/422 <see cref="FhirOutcomeException"/> when the patch cannot apply.</summary>
    Resource Apply(Resource current);
}
