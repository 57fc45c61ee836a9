using FhirPortal.Search;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.CapabilityStatement;

namespace FhirPortal.Core.Operations;

/// <summary>
/// Generates the CapabilityStatement from what the server really does: every R4 resource type, the interactions
/// implemented for each, and exactly the search parameters the query parser can evaluate.
/// </summary>
public sealed class CapabilityStatementBuilder(SearchParameterRegistry registry)
{
    public static readonly string[] Formats = ["application/fhir+json", "application/fhir+xml", "json", "xml"];
    public static readonly string[] PatchFormats = ["application/json-patch+json", "application/fhir+json", "application/fhir+xml"];

    public CapabilityStatement Build(string baseUrl, string softwareVersion)
    {
        var rest = new RestComponent
        {
            Mode = RestfulCapabilityMode.Server,
            Interaction =
            [
                new SystemInteractionComponent { Code = SystemRestfulInteraction.Transaction },
                new SystemInteractionComponent { Code = SystemRestfulInteraction.Batch },
                new SystemInteractionComponent { Code = SystemRestfulInteraction.HistorySystem },
            ],
        };
        foreach (var type in ModelInfo.SupportedResources.Order(StringComparer.Ordinal))
            rest.Resource.Add(ForType(type));

        return new CapabilityStatement
        {
            Id = "fhirportal",
            Url = baseUrl.TrimEnd('/') + "/metadata",
            Name = "FhirPortal",
            Title = "FhirPortal FHIR R4 server",
            Status = PublicationStatus.Active,
            Date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd"),
            Publisher = "FhirPortal",
            Kind = CapabilityStatementKind.Instance,
            Software = new SoftwareComponent { Name = "FhirPortal", Version = softwareVersion },
            Implementation = new ImplementationComponent { Description = "FhirPortal", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = Formats,
            PatchFormat = PatchFormats,
            Rest = [rest],
        };
    }

    private ResourceComponent ForType(string type)
    {
        var component = new ResourceComponent
        {
            Type = type,
            Profile = "http://hl7.org/fhir/StructureDefinition/" + type,
            Versioning = ResourceVersionPolicy.Versioned,
            ReadHistory = true,
            UpdateCreate = true,
            ConditionalCreate = true,
            ConditionalRead = ConditionalReadStatus.FullSupport,
            ConditionalUpdate = true,
            ConditionalDelete = ConditionalDeleteStatus.Single,
            ReferencePolicy = [ReferenceHandlingPolicy.Literal, ReferenceHandlingPolicy.Logical],
            Interaction = new[]
            {
                TypeRestfulInteraction.Read, TypeRestfulInteraction.Vread, TypeRestfulInteraction.Update,
                TypeRestfulInteraction.Patch, TypeRestfulInteraction.Delete, TypeRestfulInteraction.HistoryInstance,
                TypeRestfulInteraction.HistoryType, TypeRestfulInteraction.Create, TypeRestfulInteraction.SearchType,
            }.Select(code => new ResourceInteractionComponent { Code = code }).ToList(),
        };
        component.SearchParam.Add(new CapabilityStatement.SearchParamComponent
        {
            Name = "_id",
            Definition = "http://hl7.org/fhir/SearchParameter/Resource-id",
            Type = SearchParamType.Token,
        });
        foreach (var parameter in registry.ForType(type)
                     .Where(p => p.Type == SearchParamType.Token && p.Expression is not null)
                     .OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            component.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = parameter.Name, Definition = parameter.Url, Type = parameter.Type });
        }
        return component;
    }
}
