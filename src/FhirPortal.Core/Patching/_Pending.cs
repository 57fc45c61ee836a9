// TEMPORARY (uncommitted): replaced by the patch branch merge.
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;
namespace FhirPortal.Core.Patching;
public sealed class JsonPatchDocument : IResourcePatch { public static JsonPatchDocument Parse(ReadOnlySpan<byte> b, FhirParser p) => throw new InvalidOperationException(); public Resource Apply(Resource c) => throw new InvalidOperationException(); }
public sealed class FhirPathPatchDocument : IResourcePatch { public static FhirPathPatchDocument FromParameters(Parameters p) => throw new InvalidOperationException(); public Resource Apply(Resource c) => throw new InvalidOperationException(); }
