using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using FhirPortal.Core.Access;
using Hl7.Fhir.Serialization;

namespace FhirPortal.Core.Audit;

/// <summary>
/// Writes an <see cref="AuditRecord"/> as AuditEvent JSON directly with <see cref="Utf8JsonWriter"/> (no POCO, no SDK
/// serializer): the bytes the SDK writes for the same AuditEvent (a unit test holds them equal), collecting on the way
/// the strings <c>_content</c> indexes, in the same order as the indexer would find them.
/// </summary>
internal static class AuditEventJson
{
    internal const string EntityTypes = "http://terminology.hl7.org/CodeSystem/audit-entity-type", Roles = "http://terminology.hl7.org/CodeSystem/object-role";
    internal const string ClientIdSystem = "urn:ietf:params:oauth:client-id";
    internal static readonly (string System, string Code, string Display) Rest = ("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "Restful Operation"),
        HumanUser = ("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user"),
        Application = ("http://dicom.nema.org/resources/ontology/DCM", "110150", "Application"),
        WebServer = ("http://terminology.hl7.org/CodeSystem/security-source-type", "3", "Web Server"),
        SystemObject = (EntityTypes, "2", "System Object"), Person = (EntityTypes, "1", "Person"),
        QueryRole = (Roles, "24", "Query"), DomainResource = (Roles, "4", "Domain Resource"), PatientRole = (Roles, "1", "Patient");
    internal const string Interactions = "http://hl7.org/fhir/restful-interaction", Site = "FhirPortal", Observer = "FhirPortal FHIR server";

    // The options FhirSerializer writes stored JSON with.
    private static readonly JsonWriterOptions Options = new() { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Write(AuditRecord record, string id, DateTimeOffset lastUpdated, List<string> content)
    {
        var access = record.Access;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            var w = new Writer(json, content);
            json.WriteStartObject();
            json.WriteString("resourceType", "AuditEvent");
            w.Text("id", id);
            json.WriteStartObject("meta");
            w.Text("versionId", "1");
            json.WriteString("lastUpdated", Instant(lastUpdated));
            json.WriteEndObject();
            w.Coding("type", Rest);
            json.WriteStartArray("subtype");
            json.WriteStartObject();
            w.Text("system", Interactions);
            w.Text("code", access.Interaction);
            json.WriteEndObject();
            json.WriteEndArray();
            w.Text("action", access.ActionCode);
            if (record.Also.Count > 0)
            {
                json.WriteStartObject("period");
                json.WriteString("start", Instant(record.Start));
                json.WriteString("end", Instant(record.Recorded));
                json.WriteEndObject();
            }
            json.WriteString("recorded", Instant(record.Recorded));
            w.Text("outcome", access.OutcomeCode);
            if (access.Error is not null) w.Text("outcomeDesc", access.Error);
            WriteAgents(w, access.Caller);
            json.WriteStartObject("source");
            w.Text("site", Site);
            json.WriteStartObject("observer");
            w.Text("display", Observer);
            json.WriteEndObject();
            json.WriteStartArray("type");
            w.CodingValue(WebServer);
            json.WriteEndArray();
            json.WriteEndObject();
            WriteEntities(w, record);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An instant as the SDK writes it.</summary>
    internal static string Instant(DateTimeOffset value) => PrimitiveTypeConverter.ConvertTo<string>(value);

    /// <summary>The app that called: its client id, or what stands for it when there is none.</summary>
    internal static string App(Caller caller) => caller.ClientId ?? (caller.Unrestricted ? "anonymous (access control off)" : "unknown");

    /// <summary>Whether a signed-in person made the request (else the app is the requestor).</summary>
    internal static bool HasUser(Caller caller) => caller.FhirUser is not null || caller.UserName is not null;

    private static void WriteAgents(Writer w, Caller caller)
    {
        var json = w.Json;
        var user = HasUser(caller);
        json.WriteStartArray("agent");
        if (user)
        {
            json.WriteStartObject();
            w.Concept("type", HumanUser);
            if (caller.FhirUser is { } fhirUser)
            {
                json.WriteStartObject("who");
                w.Text("reference", fhirUser);
                if (caller.UserName is not null) w.Text("display", caller.UserName);
                json.WriteEndObject();
            }
            if (caller.UserName is not null)
            {
                w.Text("altId", caller.UserName);
                w.Text("name", caller.UserName);
            }
            json.WriteBoolean("requestor", true);
            WriteNetwork(w, caller.NetworkAddress);
            json.WriteEndObject();
        }
        var app = App(caller);
        json.WriteStartObject();
        w.Concept("type", Application);
        json.WriteStartObject("who");
        json.WriteStartObject("identifier");
        w.Text("system", ClientIdSystem);
        w.Text("value", app);
        json.WriteEndObject();
        w.Text("display", app);
        json.WriteEndObject();
        w.Text("name", app);
        json.WriteBoolean("requestor", !user);
        if (!user) WriteNetwork(w, caller.NetworkAddress);
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void WriteNetwork(Writer w, string? address)
    {
        if (address is null) return;
        w.Json.WriteStartObject("network");
        w.Text("address", address);
        w.Text("type", "2");
        w.Json.WriteEndObject();
    }

    private static void WriteEntities(Writer w, AuditRecord record)
    {
        var json = w.Json;
        json.WriteStartArray("entity");
        foreach (var entity in record.Entities())
        {
            if (entity.Kind == AuditEntityKind.Query)
            {
                json.WriteStartObject();
                w.Coding("type", SystemObject);
                w.Coding("role", QueryRole);
                w.Text("description", entity.Text);
                if (entity.Flag) json.WriteBase64String("query", System.Text.Encoding.UTF8.GetBytes(entity.Text));
                WriteCount(w, entity.Count);
                json.WriteEndObject();
            }
            else if (entity.Kind == AuditEntityKind.Version) WriteEntity(w, entity, SystemObject, DomainResource);
            else WriteEntity(w, entity, Person, PatientRole);
        }
        json.WriteEndArray();
    }

    private static void WriteEntity(Writer w, AuditEntity entity, (string, string, string) type, (string, string, string) role)
    {
        w.Json.WriteStartObject();
        w.Json.WriteStartObject("what");
        w.Text("reference", entity.Text);
        w.Json.WriteEndObject();
        w.Coding("type", type);
        w.Coding("role", role);
        WriteCount(w, entity.Count);
        w.Json.WriteEndObject();
    }

    // How many accesses of an aggregated event named the entity, when more than one (entity.detail, last of its elements).
    private static void WriteCount(Writer w, int count)
    {
        if (count <= 1) return;
        w.Json.WriteStartArray("detail");
        w.Json.WriteStartObject();
        w.Text("type", AuditEntity.AccessesDetail);
        w.Text("valueString", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.Json.WriteEndObject();
        w.Json.WriteEndArray();
    }

    /// <summary>Writes properties, noting every string the indexer's <c>_content</c> would collect.</summary>
    private readonly struct Writer(Utf8JsonWriter json, List<string> content)
    {
        public Utf8JsonWriter Json => json;

        public void Text(string name, string value)
        {
            json.WriteString(name, value);
            content.Add(value);
        }

        public void Coding(string name, (string System, string Code, string Display) coding)
        {
            json.WritePropertyName(name);
            CodingValue(coding);
        }

        public void CodingValue((string System, string Code, string Display) coding)
        {
            json.WriteStartObject();
            Text("system", coding.System);
            Text("code", coding.Code);
            Text("display", coding.Display);
            json.WriteEndObject();
        }

        public void Concept(string name, (string System, string Code, string Display) coding)
        {
            // As CodeableConcept(system, code, text) builds it: the coding without display, the display as text.
            json.WriteStartObject(name);
            json.WriteStartArray("coding");
            json.WriteStartObject();
            Text("system", coding.System);
            Text("code", coding.Code);
            json.WriteEndObject();
            json.WriteEndArray();
            Text("text", coding.Display);
            json.WriteEndObject();
        }
    }
}
