using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Terminology;

/// <summary>
/// The R4 terminology operations (https://hl7.org/fhir/R4/terminology-service.html): <c>ValueSet/$expand</c>,
/// <c>ValueSet/$validate-code</c>, <c>CodeSystem/$validate-code</c>, <c>CodeSystem/$lookup</c>, <c>CodeSystem/$subsumes</c>
/// and <c>ConceptMap/$translate</c>, at type level (by <c>url</c> or a resource in the body) and at instance level (a stored
/// resource). They read conformance resources, so they need what reading that type needs: at instance level the read
/// itself (404, 410, 403 as for a read), at type level read access to the type.
/// </summary>
public sealed class TerminologyOperations(TerminologyEngine engine, ReadInteraction read, ConceptMaps conceptMaps, CallerContext callers)
{
    private static readonly string[] CodeInputs = ["code", "system", "systemVersion", "display", "coding", "codeableConcept", "abstract"];

    /// <summary><c>$expand</c> (valueset-operation-expand.html): the ValueSet with its expansion, filtered and paged.</summary>
    public async Task<ValueSet> ExpandAsync(string? id, TerminologyInput input, CancellationToken ct)
    {
        string[] paging = ["filter", "count", "offset", "includeDesignations"];
        input.Allow("$expand", id is null ? ["url", "valueSet", "valueSetVersion", .. paging] : paging);
        var (valueSet, shared) = await ValueSetAsync(id, input, ct);
        var designations = input.Boolean("includeDesignations") == true;
        var expanded = await engine.ExpandAsync(valueSet, shared, designations);
        return ExpansionPage.Apply(expanded, input.Text("filter"), input.Integer("offset"), input.Integer("count"), designations);
    }

    /// <summary><c>ValueSet/$validate-code</c> (valueset-operation-validate-code.html): result, message, display.</summary>
    public async Task<Parameters> ValidateValueSetCodeAsync(string? id, TerminologyInput input, CancellationToken ct)
    {
        input.Allow("$validate-code", id is null ? ["url", "valueSet", "valueSetVersion", .. CodeInputs] : CodeInputs);
        var code = CodeParameters(input, null);
        var (valueSet, shared) = await ValueSetAsync(id, input, ct);
        return Result(await engine.ValidateCodeAsync(await engine.ExpandAsync(valueSet, shared), code));
    }

    /// <summary>
    /// <c>CodeSystem/$validate-code</c> (codesystem-operation-validate-code.html): whether the code is one of the
    /// CodeSystem's concepts, checked by the SDK against the ValueSet of all of them.
    /// </summary>
    public async Task<Parameters> ValidateCodeSystemCodeAsync(string? id, TerminologyInput input, CancellationToken ct)
    {
        string[] codes = ["code", "version", "display", "coding", "codeableConcept", "abstract"];
        input.Allow("$validate-code", id is null ? ["url", "codeSystem", .. codes] : codes);
        var codeSystem = await CodeSystemAsync(id, input, "url", ct);
        var code = CodeParameters(input, codeSystem.Url);
        var all = await engine.ExpandAsync(CodeSystems.AllCodes(codeSystem), shared: false);
        return Result(await engine.ValidateCodeAsync(all, code));
    }

    /// <summary><c>CodeSystem/$lookup</c> (codesystem-operation-lookup.html): name, version, display, designations, properties.</summary>
    public async Task<Parameters> LookupAsync(TerminologyInput input, CancellationToken ct)
    {
        input.Allow("$lookup", "code", "system", "version", "coding", "date", "displayLanguage", "property");
        var coding = input.Coding("coding");
        var code = input.Text("code") ?? coding?.Code;
        var system = input.Text("system") ?? coding?.System;
        if (code is null || system is null || input.Has("code") == (coding is not null))
            throw FhirOutcomeException.BadRequest("$lookup needs either code and system, or coding (with system and code).", "code");
        var codeSystem = await CodeSystemAsync(null, input, "system", ct);
        return CodeSystems.Lookup(codeSystem, code, input.Texts("property"));
    }

    /// <summary>
    /// <c>CodeSystem/$subsumes</c> (codesystem-operation-subsumes.html): <c>outcome</c> equivalent, subsumes, subsumed-by
    /// or not-subsumed, from the CodeSystem's hierarchy (nesting and <c>parent</c> properties, as <c>:below</c>/<c>:above</c>).
    /// </summary>
    public async Task<Parameters> SubsumesAsync(string? id, TerminologyInput input, CancellationToken ct)
    {
        string[] codes = ["codeA", "codeB", "codingA", "codingB", "version"];
        input.Allow("$subsumes", id is null ? ["system", .. codes] : codes);
        var a = SubsumptionCode(input, "A");
        var b = SubsumptionCode(input, "B");
        var systems = new[] { input.Text("system"), a.System, b.System }.OfType<string>().Distinct().ToList();
        if (systems.Count > 1)
            throw FhirOutcomeException.BadRequest($"$subsumes compares codes of one CodeSystem, not of {string.Join(" and ", systems)}.", "system");
        CodeSystem codeSystem;
        if (id is not null) codeSystem = (CodeSystem)await ReadAsync("CodeSystem", id, ct);
        else
        {
            callers.Current.Require("CodeSystem", Permissions.Read);
            var system = systems.FirstOrDefault() ?? throw FhirOutcomeException.BadRequest("$subsumes needs system (or codingA/codingB with their system), or CodeSystem/[id]/$subsumes.", "system");
            var version = input.Text("version");
            var canonical = version is null ? system : $"{system}|{version}";
            codeSystem = await engine.FindCodeSystemAsync(canonical) ?? throw Unknown("CodeSystem", canonical, "system");
        }
        if (id is not null && systems.FirstOrDefault() is { } named && named != codeSystem.Url)
            throw FhirOutcomeException.BadRequest($"CodeSystem/{id} is {codeSystem.Url}, not {named}.", "system");
        var result = new Parameters();
        result.Add("outcome", new Code(CodeSystems.Subsumption(codeSystem, a.Code, b.Code)));
        return result;
    }

    /// <summary>codeA or codingA (B likewise): exactly one of them, with a code.</summary>
    private static (string Code, string? System) SubsumptionCode(TerminologyInput input, string which)
    {
        var (codeName, codingName) = ($"code{which}", $"coding{which}");
        if (input.Has(codeName) == input.Has(codingName))
            throw FhirOutcomeException.BadRequest($"$subsumes needs exactly one of {codeName} and {codingName}.", codeName);
        if (input.Text(codeName) is { Length: > 0 } code) return (code, null);
        return input.Coding(codingName) is { Code: { Length: > 0 } codingCode } coding
            ? (codingCode, coding.System)
            : throw FhirOutcomeException.BadRequest($"{codingName} needs a code.", input.Has(codeName) ? codeName : codingName);
    }

    /// <summary><c>ConceptMap/$translate</c> (conceptmap-operation-translate.html) with a stored or core ConceptMap.</summary>
    public Task<Parameters> TranslateAsync(string? id, TerminologyInput input, CancellationToken ct)
    {
        string[] inputs = ["code", "system", "version", "coding", "codeableConcept", "source", "target", "targetsystem", "reverse"];
        input.Allow("$translate", id is null ? ["url", "conceptMap", "conceptMapVersion", .. inputs] : inputs);
        return conceptMaps.TranslateAsync(id, input, ct);
    }

    private async Task<(ValueSet ValueSet, bool Shared)> ValueSetAsync(string? id, TerminologyInput input, CancellationToken ct)
    {
        if (id is not null) return ((ValueSet)await ReadAsync("ValueSet", id, ct), false);
        callers.Current.Require("ValueSet", Permissions.Read);
        if (input.Resource<ValueSet>("valueSet") is { } body)
            return input.Has("url") ? throw FhirOutcomeException.BadRequest("Give either url or valueSet, not both.", "url") : (body, false);
        var url = input.Text("url") ?? throw FhirOutcomeException.BadRequest("The ValueSet is missing: give url (or valueSet in a POST body), or call ValueSet/[id]/$...", "url");
        var version = input.Text("valueSetVersion");
        var canonical = version is null ? url : $"{url}|{version}";
        return (await engine.FindValueSetAsync(canonical) ?? throw Unknown("ValueSet", canonical, "url"), true);
    }

    private async Task<CodeSystem> CodeSystemAsync(string? id, TerminologyInput input, string urlParameter, CancellationToken ct)
    {
        if (id is not null) return (CodeSystem)await ReadAsync("CodeSystem", id, ct);
        callers.Current.Require("CodeSystem", Permissions.Read);
        if (input.Resource<CodeSystem>("codeSystem") is { } body) return body;
        var url = input.Text(urlParameter) ?? input.Coding("coding")?.System
                  ?? throw FhirOutcomeException.BadRequest($"The CodeSystem is missing: give {urlParameter} (or codeSystem in a POST body), or call CodeSystem/[id]/$...", urlParameter);
        var version = input.Text("version");
        var canonical = version is null ? url : $"{url}|{version}";
        return await engine.FindCodeSystemAsync(canonical) ?? throw Unknown("CodeSystem", canonical, urlParameter);
    }

    private async Task<Resource> ReadAsync(string type, string id, CancellationToken ct)
    {
        try
        {
            return FhirParser.ParseStored((await read.ReadAsync(new ResourceKey(type, id), ct)).Json.Span);
        }
        catch (ReadInteraction.DeletedException deleted)
        {
            throw deleted.ToOutcome();
        }
    }

    /// <summary>The code to check, as the SDK's $validate-code takes it: exactly one of code (+system), coding, codeableConcept.</summary>
    private static Parameters CodeParameters(TerminologyInput input, string? codeSystemUrl)
    {
        var given = new[] { "code", "coding", "codeableConcept" }.Where(input.Has).ToList();
        if (given.Count != 1)
            throw FhirOutcomeException.BadRequest("$validate-code needs exactly one of code, coding or codeableConcept.", given.Count == 0 ? "code" : given[1]);
        var parameters = new Parameters();
        if (input.Text("code") is { } code)
        {
            var system = codeSystemUrl ?? input.Text("system")
                         ?? throw FhirOutcomeException.BadRequest("A code needs its system (R4: 'If a code is provided, a system must be provided').", "system");
            parameters.Add("code", new Code(code));
            parameters.Add("system", new FhirUri(system));
        }
        if (input.Coding("coding") is { } coding) parameters.Add("coding", coding);
        if (input.CodeableConcept("codeableConcept") is { } concept) parameters.Add("codeableConcept", concept);
        if (input.Text("display") is { } display) parameters.Add("display", new FhirString(display));
        if (input.Boolean("abstract") is { } allowAbstract) parameters.Add("abstract", new FhirBoolean(allowAbstract));
        return parameters;
    }

    /// <summary>The R4 outputs of $validate-code: result, message, display.</summary>
    private static Parameters Result(Parameters sdk)
    {
        var result = new Parameters();
        result.Parameter.AddRange(sdk.Parameter.Where(p => p.Name is "result" or "message" or "display"));
        return result;
    }

    internal static FhirOutcomeException Unknown(string type, string canonical, string parameter) =>
        FhirOutcomeException.Single(422, OperationOutcome.IssueType.NotFound,
            $"{type} '{canonical}' is not known to this server (neither stored nor in the R4 core package).", parameter);
}
