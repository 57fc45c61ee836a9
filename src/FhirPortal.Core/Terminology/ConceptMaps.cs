using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using static Hl7.Fhir.Model.ConceptMap;

namespace FhirPortal.Core.Terminology;

/// <summary>
/// <c>ConceptMap/$translate</c> (https://hl7.org/fhir/R4/conceptmap-operation-translate.html), which the SDK's local
/// terminology service does not implement: the <c>group.element.target</c>s of the given code in one ConceptMap (stored,
/// else from the R4 core package; without one, the maps chosen by source/target ValueSet and target system, see
/// <see cref="ConceptMapSelection"/>), or the elements mapping to it with <c>reverse</c>. Maps without an explicit
/// target (<c>unmapped</c>) and dependsOn/product conditions are not evaluated.
/// </summary>
public sealed class ConceptMaps(IResourceStore store, ReadInteraction read, CallerContext callers)
{
    public async Task<Parameters> TranslateAsync(string? id, TerminologyInput input, CancellationToken ct)
    {
        var codings = Codings(input);
        var reverse = input.Boolean("reverse") == true;
        var targetSystem = input.Text("targetsystem");
        var maps = await MapsAsync(id, input, codings, reverse, ct);
        var matches = new List<(ConceptMapEquivalence? Equivalence, Coding Concept, ConceptMap Map)>();
        foreach (var map in maps)
            foreach (var coding in codings)
                foreach (var group in map.Group)
                    matches.AddRange((reverse ? Reverse(group, coding) : Forward(group, coding)).Select(m => (m.Item1, m.Item2, map)));
        matches = matches.Where(m => targetSystem is null || m.Concept.System == targetSystem).Distinct().ToList();

        var mapped = matches.Where(m => m.Equivalence is not (ConceptMapEquivalence.Unmatched or ConceptMapEquivalence.Disjoint)).ToList();
        var result = new Parameters();
        result.Add("result", new FhirBoolean(mapped.Count > 0));
        var described = string.Join(", ", codings.Select(c => $"{c.System}|{c.Code}"));
        var named = maps.Count == 0 ? "No ConceptMap on this server matches source, target and targetsystem, so it"
            : $"ConceptMap {string.Join(", ", maps.Select(m => $"'{m.Url ?? m.Id}'"))}";
        result.Add("message", new FhirString(mapped.Count > 0
            ? $"{described} maps to {mapped.Count} concept(s) in {named}."
            : $"{named} has no mapping for {described}{(targetSystem is null ? "" : $" into {targetSystem}")}."));
        foreach (var (equivalence, concept, map) in matches)
        {
            var parts = new List<Tuple<string, Base>> { Tuple.Create("concept", (Base)concept), Tuple.Create("source", (Base)new FhirUri(map.Url)) };
            if (equivalence is { } e) parts.Insert(0, Tuple.Create("equivalence", (Base)new Code(Hl7.Fhir.Utility.EnumUtility.GetLiteral(e))));
            result.Add("match", parts);
        }
        return result;
    }

    /// <summary>The map named by id, <c>url</c> or <c>conceptMap</c>; without one, every map selected by <c>source</c>/<c>target</c>/<c>targetsystem</c>.</summary>
    private async Task<List<ConceptMap>> MapsAsync(string? id, TerminologyInput input, List<Coding> codings, bool reverse, CancellationToken ct)
    {
        if (id is not null || input.Has("url") || input.Has("conceptMap")) return [await MapAsync(id, input, ct)];
        if (!input.Has("source") && !input.Has("target") && !input.Has("targetsystem"))
            throw FhirOutcomeException.BadRequest(
                "$translate needs the ConceptMap (url, conceptMap in a POST body, or ConceptMap/[id]/$translate), or source, target or targetsystem to choose one by.", "url");
        callers.Current.Require("ConceptMap", Permissions.Read);
        return await ConceptMapSelection.SelectAsync(store, input.Text("source"), input.Text("target"), input.Text("targetsystem"), codings, reverse, ct);
    }

    private static IEnumerable<(ConceptMapEquivalence?, Coding)> Forward(GroupComponent group, Coding coding) =>
        coding.System is not null && group.Source is not null && group.Source != coding.System
            ? []
            : group.Element.Where(e => e.Code == coding.Code)
                .SelectMany(e => e.Target.Where(t => t.Code is not null))
                .Select(t => (t.Equivalence, new Coding(group.Target, t.Code, t.Display)));

    private static IEnumerable<(ConceptMapEquivalence?, Coding)> Reverse(GroupComponent group, Coding coding) =>
        coding.System is not null && group.Target is not null && group.Target != coding.System
            ? []
            : group.Element.SelectMany(e => e.Target.Where(t => t.Code == coding.Code)
                .Select(t => (t.Equivalence, new Coding(group.Source, e.Code, e.Display))));

    private static List<Coding> Codings(TerminologyInput input)
    {
        var given = new[] { "code", "coding", "codeableConcept" }.Where(input.Has).ToList();
        if (given.Count != 1)
            throw FhirOutcomeException.BadRequest("$translate needs exactly one of code (with system), coding or codeableConcept.", given.Count == 0 ? "code" : given[1]);
        if (input.Text("code") is { } code)
            return [new Coding(input.Text("system") ?? throw FhirOutcomeException.BadRequest("A code needs its system.", "system"), code)];
        if (input.Coding("coding") is { } coding) return [coding];
        var concept = input.CodeableConcept("codeableConcept")!;
        return concept.Coding.Count > 0 ? concept.Coding : throw FhirOutcomeException.BadRequest("codeableConcept has no coding.", "codeableConcept");
    }

    private async Task<ConceptMap> MapAsync(string? id, TerminologyInput input, CancellationToken ct)
    {
        if (id is not null)
        {
            try
            {
                return (ConceptMap)FhirParser.ParseStored((await read.ReadAsync(new ResourceKey("ConceptMap", id), ct)).Json.Span);
            }
            catch (ReadInteraction.DeletedException deleted)
            {
                throw deleted.ToOutcome();
            }
        }
        callers.Current.Require("ConceptMap", Permissions.Read);
        if (input.Resource<ConceptMap>("conceptMap") is { } body) return body;
        var url = input.Text("url")
                  ?? throw FhirOutcomeException.BadRequest("$translate needs the ConceptMap: url (or conceptMap in a POST body), or ConceptMap/[id]/$translate.", "url");
        var version = input.Text("conceptMapVersion");
        List<SearchCondition> conditions = [new UriCondition("url", [url])];
        if (version is not null) conditions.Add(new TokenCondition("version", [new TokenMatch(SystemRule.Any, null, version)]));
        var page = await store.SearchAsync(new SearchQuery("ConceptMap", conditions, 1) { Sort = [new SortKey("_lastUpdated", true)] }, ct);
        if (page.Entries.Count > 0) return (ConceptMap)FhirParser.ParseStored(page.Entries[0].Json.Span);
        if ((await ConformanceResources.Core.TryResolveByCanonicalUriAsync(url)).Value is ConceptMap core && (version is null || core.Version == version))
            return core;
        throw TerminologyOperations.Unknown("ConceptMap", version is null ? url : $"{url}|{version}", "url");
    }
}
