using static Hl7.Fhir.Model.CapabilityStatement;

namespace FhirPortal.Core.Operations;

/// <summary>Declares $meta (system and every type) and $meta-add/$meta-delete (every type) by their R4 definitions.</summary>
internal static class MetaOperationDeclaration
{
    private const string Definitions = "http://hl7.org/fhir/OperationDefinition/Resource-";

    public static void Declare(RestComponent rest)
    {
        rest.Operation.Add(Meta());
        foreach (var resource in rest.Resource)
        {
            resource.Operation.Add(Meta());
            resource.Operation.Add(new OperationComponent
            {
                Name = "meta-add",
                Definition = Definitions + "meta-add",
                Documentation = "POST [base]/[type]/[id]/$meta-add with a Parameters 'meta': adds profiles, tags and security labels " +
                                "(update access needed); a change is stored as a new version, no change stores nothing.",
            });
            resource.Operation.Add(new OperationComponent
            {
                Name = "meta-delete",
                Definition = Definitions + "meta-delete",
                Documentation = "POST [base]/[type]/[id]/$meta-delete with a Parameters 'meta': removes profiles, tags and security labels " +
                                "(update access needed); a change is stored as a new version, no change stores nothing.",
            });
        }
    }

    private static OperationComponent Meta() => new()
    {
        Name = "meta",
        Definition = Definitions + "meta",
        Documentation = "GET or POST: the profiles, tags and security labels of a resource ([type]/[id]/$meta), or those in use on " +
                        "the resources of a type or the system that the caller may search.",
    };
}
