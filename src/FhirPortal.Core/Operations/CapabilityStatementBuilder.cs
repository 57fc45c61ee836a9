using System.Collections.Concurrent;
using FhirPortal.Search;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.CapabilityStatement;

namespace FhirPortal.Core.Operations;

/// <summary>
/// Generates the CapabilityStatement from what the server really does: every R4 resource type, the interactions
/// implemented for each, and exactly the search parameters the query parser can evaluate (with their modifiers),
/// the _include/_revinclude paths, and system-level search.
/// </summary>
public sealed class CapabilityStatementBuilder(SearchParameterRegistry registry, IEnumerable<ICapabilityStatementContributor>? contributors = null)
{
    public static readonly string[] Formats = ["application/fhir+json", "application/fhir+xml", "json", "xml"];
    public static readonly string[] PatchFormats = ["application/json-patch+json", "application/fhir+json", "application/fhir+xml"];

    /// <summary>
    /// The parameters for all resources (search.html#all) that the parser handles itself or the registry adds to
    /// every type. Those the registry already holds for a type are taken from there.
    /// </summary>
    private static readonly (string Name, SearchParamType Type, string Documentation)[] CommonParameters =
    [
        ("_id", SearchParamType.Token, "Logical id of the resource."),
        ("_lastUpdated", SearchParamType.Date, "When the resource version last changed (meta.lastUpdated)."),
        ("_tag", SearchParamType.Token, "Tags applied to the resource (meta.tag)."),
        ("_profile", SearchParamType.Uri, "Profiles the resource claims to conform to (meta.profile)."),
        ("_security", SearchParamType.Token, "Security labels applied to the resource (meta.security)."),
        ("_source", SearchParamType.Uri, "Where the resource comes from (meta.source)."),
        ("_text", SearchParamType.String, "Text search on the narrative (words, case- and accent-insensitive)."),
        ("_content", SearchParamType.String, "Text search on the whole resource content (words, case- and accent-insensitive)."),
    ];

    /// <summary>What each parameter type accepts, as the parser implements it (TypedConditionParser, FilterParser).</summary>
    private static readonly Dictionary<SearchParamType, string> ModifierNotes = new()
    {
        [SearchParamType.String] = "Modifiers: :exact, :contains, :missing (default: starts-with, case- and accent-insensitive).",
        [SearchParamType.Token] = "Modifiers: :not, :text, :of-type (identifiers), :in and :not-in (ValueSets stored here or in the R4 core package), :below and :above (system|code in a CodeSystem with a hierarchy), :missing; at most 1,000 codes per condition; values code, system|code, |code, system|.",
        [SearchParamType.Reference] = "Modifiers: :[Type], :identifier, :missing; values id, Type/id or an absolute URL; chaining (param:Type.param) supported.",
        [SearchParamType.Uri] = "Modifiers: :above, :below, :missing.",
        [SearchParamType.Date] = "Modifier: :missing; prefixes eq, ne, gt, lt, ge, le, sa, eb, ap.",
        [SearchParamType.Number] = "Modifier: :missing; prefixes eq, ne, gt, lt, ge, le, sa, eb, ap.",
        [SearchParamType.Quantity] = "Modifier: :missing; prefixes eq, ne, gt, lt, ge, le, sa, eb, ap; value [prefix]number|system|code.",
        [SearchParamType.Composite] = "Modifier: :missing; value is the components joined by '$'.",
    };

    private const string RestDocumentation =
        "Search: every parameter listed per type, plus _id, _lastUpdated, _tag, _profile, _security, _source, _text, _content " +
        "on all types; comma = OR, repeating a parameter = AND. Modifiers: string :exact/:contains; token :not/:text/:of-type; " +
        "reference :[Type]/:identifier and chains (subject:Patient.name=x) and reverse chains (_has:Type:ref:param=x); " +
        "token :in/:not-in (stored or core ValueSets) and :below/:above (CodeSystem hierarchy); _list=id; uri :above/:below; " +
        ":missing on every type. Not supported: _filter, _query, _contained, special parameters. Result parameters: _count, _sort, " +
        "_total, _include, _revinclude (with :iterate), _summary, _elements. System search: GET [base]?_type=A,B&... " +
        "Custom SearchParameter resources take effect on write; POST [base]/$reindex, [base]/[type]/$reindex (async, 202 + " +
        "Content-Location) and [base]/[type]/[id]/$reindex backfill existing resources.";

    // Built statements per base URL, with the registry generation they were built from: a custom SearchParameter
    // written or deleted changes the generation, so the next /metadata declares it (or no longer does).
    private readonly ConcurrentDictionary<string, (long Generation, CapabilityStatement Statement)> _built = new(StringComparer.Ordinal);

    /// <summary>The statement for <paramref name="baseUrl"/>, built again only after the search parameters changed. Shared: callers copy before changing it.</summary>
    public CapabilityStatement Current(string baseUrl, string softwareVersion)
    {
        // Read before building: a change during the build leaves this entry a generation behind (rebuilt next time), never newer than its content.
        var generation = registry.Generation;
        if (_built.TryGetValue(baseUrl, out var known) && known.Generation == generation) return known.Statement;
        var statement = Build(baseUrl, softwareVersion);
        _built[baseUrl] = (generation, statement);
        return statement;
    }

    public CapabilityStatement Build(string baseUrl, string softwareVersion)
    {
        var types = ModelInfo.SupportedResources.Order(StringComparer.Ordinal).ToList();
        var declared = types.ToDictionary(t => t, Declared, StringComparer.Ordinal);
        var revIncludes = RevIncludes(declared);

        var rest = new RestComponent
        {
            Mode = RestfulCapabilityMode.Server,
            Documentation = RestDocumentation,
            Interaction =
            [
                new SystemInteractionComponent { Code = SystemRestfulInteraction.Transaction },
                new SystemInteractionComponent { Code = SystemRestfulInteraction.Batch },
                new SystemInteractionComponent { Code = SystemRestfulInteraction.HistorySystem },
                new SystemInteractionComponent
                {
                    Code = SystemRestfulInteraction.SearchSystem,
                    Documentation = "GET [base]?_type=A,B&... searches several types; only the common parameters apply to all of them.",
                },
            ],
        };
        foreach (var (name, type, documentation) in CommonParameters)
            rest.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = name, Definition = CommonDefinition(name), Type = type, Documentation = Document(documentation, type) });
        rest.SearchParam.Add(new CapabilityStatement.SearchParamComponent
        {
            Name = "_type", Type = SearchParamType.Token,
            Documentation = "The resource types a system search covers (comma-separated).",
        });
        foreach (var type in types)
            rest.Resource.Add(ForType(type, declared[type], revIncludes.GetValueOrDefault(type) ?? []));
        PatientDataOperations.Declare(rest);
        MetaOperationDeclaration.Declare(rest);
        TerminologyOperationDeclaration.Declare(rest);

        var statement = new CapabilityStatement
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
        foreach (var contributor in contributors ?? []) contributor.Contribute(statement, baseUrl);
        return statement;
    }

    /// <summary>The registry parameters of a type that the parser can evaluate, by name.</summary>
    private List<SearchParameterInfo> Declared(string type) =>
        registry.ForType(type)
            .Where(p => p.Type != SearchParamType.Special && p.Expression is not null)
            .Where(p => p.Type != SearchParamType.Composite || p.Components.Count > 0)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>For each target type, "Source:param" of every reference parameter of any type that can point at it.</summary>
    private static Dictionary<string, SortedSet<string>> RevIncludes(Dictionary<string, List<SearchParameterInfo>> declared)
    {
        var result = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (source, parameters) in declared)
            foreach (var parameter in parameters.Where(p => p.Type == SearchParamType.Reference))
                foreach (var target in parameter.Targets.Distinct())
                {
                    if (!declared.ContainsKey(target)) continue;
                    if (!result.TryGetValue(target, out var set)) result[target] = set = new SortedSet<string>(StringComparer.Ordinal);
                    set.Add($"{source}:{parameter.Name}");
                }
        return result;
    }

    private static ResourceComponent ForType(string type, List<SearchParameterInfo> parameters, IEnumerable<string> revIncludes)
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

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, paramType, documentation) in CommonParameters)
        {
            var fromRegistry = parameters.FirstOrDefault(p => p.Name == name);
            names.Add(name);
            component.SearchParam.Add(new CapabilityStatement.SearchParamComponent
            {
                Name = name,
                Definition = fromRegistry?.Url ?? CommonDefinition(name),
                Type = fromRegistry?.Type ?? paramType,
                Documentation = Document(documentation, fromRegistry?.Type ?? paramType),
            });
        }
        foreach (var parameter in parameters)
        {
            if (!names.Add(parameter.Name)) continue;
            component.SearchParam.Add(new CapabilityStatement.SearchParamComponent
            {
                Name = parameter.Name,
                Definition = parameter.Url,
                Type = parameter.Type,
                Documentation = Document(Describe(parameter), parameter.Type),
            });
        }

        var includes = parameters.Where(p => p.Type == SearchParamType.Reference).Select(p => $"{type}:{p.Name}").ToList();
        if (includes.Count > 0) component.SearchInclude = [.. includes, "*"];
        component.SearchRevInclude = revIncludes.ToList();
        return component;
    }

    private static string CommonDefinition(string name) =>
        "http://hl7.org/fhir/SearchParameter/Resource-" + name.TrimStart('_');

    private static string Describe(SearchParameterInfo parameter) => parameter.Type switch
    {
        SearchParamType.Reference when parameter.Targets.Count > 0 =>
            $"{parameter.Expression} (targets: {string.Join(", ", parameter.Targets.Distinct().Take(8))}{(parameter.Targets.Count > 8 ? ", ..." : "")}).",
        SearchParamType.Composite => $"{parameter.Expression} (composite of {parameter.Components.Count} components).",
        _ => parameter.Expression + ".",
    };

    private static string Document(string description, SearchParamType type) =>
        ModifierNotes.TryGetValue(type, out var note) ? $"{description} {note}" : description;
}
