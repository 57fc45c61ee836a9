using System.Globalization;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;
using ItemType = Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType;

namespace FhirPortal.Core.Forms;

/// <summary>
/// SDC <c>Questionnaire/$populate</c> (https://hl7.org/fhir/uv/sdc/OperationDefinition-Questionnaire-populate.html):
/// an <c>in-progress</c> QuestionnaireResponse for <c>subject</c> pre-filled from the record. Each question item is
/// answered, in this order, from its SDC <c>initialExpression</c> (FHIRPath; <c>%patient</c>, <c>%medications</c> = active
/// MedicationStatements and MedicationRequests, <c>%allergies</c> = current AllergyIntolerances), its <c>definition</c>
/// (<c>…/Patient#Patient.birthDate</c> and the like on Patient, MedicationStatement, MedicationRequest, AllergyIntolerance),
/// or its <c>initial[x]</c>. A patient's token populates only for its own patient.
/// </summary>
public sealed class FormPopulation
{
    private const string InitialExpression = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-initialExpression";
    private static readonly FhirPathCompiler Compiler = new(new SymbolTable().AddStandardFP().AddFhirExtensions());

    private readonly ReadInteraction _read;
    private readonly CallerContext _callers;
    private readonly PatientFactsReader _facts;
    private readonly QuestionnaireLookup _lookup;
    private readonly ConditionalCriteria _criteria;
    private readonly IResourceStore _store;
    private readonly TimeProvider _clock;

    internal FormPopulation(ReadInteraction read, CallerContext callers, PatientFactsReader facts, QuestionnaireLookup lookup, ConditionalCriteria criteria, IResourceStore store, TimeProvider clock) =>
        (_read, _callers, _facts, _lookup, _criteria, _store, _clock) = (read, callers, facts, lookup, criteria, store, clock);

    /// <summary>
    /// The <c>response</c> for the Questionnaire <paramref name="id"/> (instance level) or the one the input names
    /// (<c>questionnaire</c> resource, <c>canonical</c>/<c>questionnaireRef</c>, or <c>identifier</c>).
    /// </summary>
    public async Task<Parameters> PopulateAsync(string? id, Parameters input, CancellationToken ct)
    {
        var subject = Value(input, "subject") is { } reference ? MessagingKey(reference) : null;
        if (subject is not ["Patient", var patientId])
            throw FhirOutcomeException.BadRequest("$populate needs subject, a reference to the Patient (Patient/[id]).", "Parameters.parameter.where(name='subject')");
        var access = _callers.Current;
        if (!access.IsUnrestricted && PatientOf(access.Caller) is { } own && own != patientId)
            throw FhirOutcomeException.Forbidden($"A patient's token populates forms only for Patient/{own}.");
        var form = await FormAsync(id, input, ct);
        var patient = (Patient)FhirParser.ParseStored((await _read.ReadAsync(new ResourceKey("Patient", patientId), ct)).Json.Span);
        var facts = await _facts.ReadAsync(patient, access, ct);

        var response = new QuestionnaireResponse
        {
            Questionnaire = form.Url is { } url ? (form.Version is { } v ? $"{url}|{v}" : url) : $"Questionnaire/{form.Id}",
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.InProgress,
            Subject = new ResourceReference($"Patient/{patientId}"),
            Authored = _clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
            Item = Items(form.Item, facts),
        };
        return new Parameters { Parameter = [new Parameters.ParameterComponent { Name = "response", Resource = response }] };
    }

    private async Task<Questionnaire> FormAsync(string? id, Parameters input, CancellationToken ct)
    {
        if (id is not null) return (Questionnaire)FhirParser.ParseStored((await _read.ReadAsync(new ResourceKey("Questionnaire", id), ct)).Json.Span);
        if (input.Parameter.FirstOrDefault(p => p.Name == "questionnaire")?.Resource is Questionnaire given) return given;
        _callers.Current.Require("Questionnaire", Permissions.Read);
        if ((Value(input, "canonical") ?? Value(input, "questionnaireRef")) is { } canonical)
            return await _lookup.FindAsync(canonical, new QuestionnaireResponse(), QuestionnaireLookup.Of(_store), ct)
                   ?? throw FhirOutcomeException.NotFound($"The Questionnaire {canonical} is not on this server.");
        if (Value(input, "identifier") is { } identifier)
        {
            var found = await _store.SearchAsync(_criteria.Parse("Questionnaire", $"identifier={Uri.EscapeDataString(identifier)}") with { Count = 1, Cursor = null }, ct);
            return found.Entries.FirstOrDefault() is { } entry ? (Questionnaire)FhirParser.ParseStored(entry.Json.Span)
                : throw FhirOutcomeException.NotFound($"No Questionnaire has identifier {identifier}.");
        }
        throw FhirOutcomeException.BadRequest("$populate needs the Questionnaire: Questionnaire/[id]/$populate, or questionnaire, canonical or identifier.");
    }

    private static List<QuestionnaireResponse.ItemComponent> Items(List<Questionnaire.ItemComponent> definitions, PatientFacts facts)
    {
        var items = new List<QuestionnaireResponse.ItemComponent>();
        foreach (var definition in definitions.Where(d => d.Type != ItemType.Display))
        {
            var item = new QuestionnaireResponse.ItemComponent { LinkId = definition.LinkId, Text = definition.Text };
            if (definition.Type == ItemType.Group)
                item.Item = Items(definition.Item, facts);
            else
            {
                var answers = Answers(definition, facts).Take(definition.Repeats == true ? int.MaxValue : 1);
                item.Answer = [.. answers.Select(a => new QuestionnaireResponse.AnswerComponent { Value = a })];
                if (definition.Item.Count > 0)
                    foreach (var answer in item.Answer) answer.Item = Items(definition.Item, facts);
            }
            items.Add(item);
        }
        return items;
    }

    private static IEnumerable<DataType> Answers(Questionnaire.ItemComponent definition, PatientFacts facts)
    {
        var found = Found(definition, facts).Select(v => AnswerCoercion.ToAnswer(v, definition.Type)).OfType<DataType>().ToList();
        return found.Count > 0 ? found : definition.Initial.Select(i => i.Value).OfType<DataType>();
    }

    /// <summary>The record's values for an item: its initialExpression's results, else its definition's.</summary>
    private static IEnumerable<Base> Found(Questionnaire.ItemComponent definition, PatientFacts facts)
    {
        if (definition.GetExtensionValue<Hl7.Fhir.Model.Expression>(InitialExpression) is { Expression_: { } expression, Language: "text/fhirpath" })
            return Evaluate(expression, facts.Patient, facts);
        if (definition.Definition is { } url && url.Split('#') is [var profile, var path] && path.Split('.', 2) is [var type, var element]
            && profile.EndsWith("/" + type, StringComparison.Ordinal) && facts.Of(type) is { } resources)
            return resources.SelectMany(r => Evaluate(element, r, facts));
        return [];
    }

    private static IEnumerable<Base> Evaluate(string expression, Resource input, PatientFacts facts)
    {
        try
        {
            var context = new FhirEvaluationContext();
            context.Environment["patient"] = [facts.Patient.ToPocoNode()];
            context.Environment["medications"] = [.. facts.Medications.Select(m => m.ToPocoNode())];
            context.Environment["allergies"] = [.. facts.Allergies.Select(a => a.ToPocoNode())];
            return Compiler.Compile(expression)(input.ToPocoNode(), context).Select(n => n.Poco).OfType<Base>().ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An expression this server cannot compile or evaluate leaves its item to be filled in by hand.
            return [];
        }
    }

    private static string? Value(Parameters input, string name) => input.Parameter.FirstOrDefault(p => p.Name == name)?.Value switch
    {
        ResourceReference r => r.Reference,
        PrimitiveType p => p.ToString(),
        Identifier i => i.System is null ? i.Value : $"{i.System}|{i.Value}",
        _ => null,
    };

    private static string[]? MessagingKey(string reference) => Messaging.MessageReferences.Local(reference);

    /// <summary>The patient a patient-bound caller acts for: the launch patient, or a Patient fhirUser.</summary>
    private static string? PatientOf(Caller caller) =>
        caller.PatientId ?? (caller.FhirUser?.Split('/') is [.., "Patient", var id] ? id : null);
}
