using System.Buffers;
using System.Text.Json;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Serialization;

/// <summary>
/// The stored JSON of a version written from the JSON the resource came in as, with only its top-level <c>meta</c>
/// replaced by the server's (versionId, lastUpdated): a bulk import need not serialise each parsed POCO again. Only for
/// JSON the SDK parsed without any issue (<see cref="FhirParser.ParseJson(ReadOnlySpan{byte}, out bool)"/>), whose POCO
/// therefore holds the same content. The result is compact; its property order is the source's, so JSON the SDK wrote
/// (the data generator's, an export's) comes out byte for byte as serialising the POCO would write it.
/// </summary>
internal static class StoredJson
{
    private static readonly JsonWriterOptions Options = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The source object with <paramref name="meta"/> as its meta (where the source had one, else after its id); null
    /// when the source is no JSON object or names its resourceType twice in one object (the SDK keeps the first and
    /// reports nothing, while last-wins readers of the stored bytes would see the second: serialise instead).
    /// </summary>
    public static byte[]? WithMeta(ReadOnlySpan<byte> source, Meta meta)
    {
        var (hasMeta, repeatsType) = Scan(source);
        if (repeatsType) return null;
        var buffer = new ArrayBufferWriter<byte>(source.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            var reader = new Utf8JsonReader(source);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            writer.WriteStartObject();
            var metaWritten = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMeta = reader.ValueTextEquals("meta"u8);
                var isId = reader.ValueTextEquals("id"u8);
                if (isMeta)
                {
                    reader.Read();
                    reader.Skip();
                    WriteMeta(writer, meta);
                    metaWritten = true;
                    continue;
                }
                WriteName(ref reader, writer);
                reader.Read();
                Copy(ref reader, writer);
                // The SDK writes meta right after the id; without a meta in the source it goes there.
                if (isId && !hasMeta && !metaWritten)
                {
                    WriteMeta(writer, meta);
                    metaWritten = true;
                }
            }
            if (!metaWritten) WriteMeta(writer, meta);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// One pass over the source: whether the resource itself has a meta, and whether any object (the resource, a
    /// contained one, a Bundle entry's) names its resourceType more than once.
    /// </summary>
    private static (bool HasMeta, bool RepeatsResourceType) Scan(ReadOnlySpan<byte> source)
    {
        // Other repeated names are the SDK's own parse issue (so the line is not clean); resourceType is not.
        var reader = new Utf8JsonReader(source);
        var seen = new bool[reader.CurrentState.Options.MaxDepth + 2];
        var hasMeta = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject) seen[reader.CurrentDepth + 1] = false;
            else if (reader.TokenType != JsonTokenType.PropertyName) continue;
            else if (reader.ValueTextEquals("resourceType"u8))
            {
                if (seen[reader.CurrentDepth]) return (hasMeta, true);
                seen[reader.CurrentDepth] = true;
            }
            else if (reader.CurrentDepth == 1 && reader.ValueTextEquals("meta"u8)) hasMeta = true;
        }
        return (hasMeta, false);
    }

    private static void WriteMeta(Utf8JsonWriter writer, Meta meta)
    {
        writer.WritePropertyName("meta"u8);
        FhirSerializer.WriteJson(meta, writer);
    }

    private static void WriteName(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        if (reader.ValueIsEscaped) writer.WritePropertyName(reader.GetString()!);
        else writer.WritePropertyName(reader.ValueSpan);
    }

    /// <summary>Copies the value the reader is on (a whole object or array), written as the SDK's writer writes it.</summary>
    private static void Copy(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        var depth = reader.CurrentDepth;
        Write(ref reader, writer);
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return;
        while (reader.Read())
        {
            Write(ref reader, writer);
            if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == depth) return;
        }
    }

    private static void Write(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject: writer.WriteStartObject(); break;
            case JsonTokenType.EndObject: writer.WriteEndObject(); break;
            case JsonTokenType.StartArray: writer.WriteStartArray(); break;
            case JsonTokenType.EndArray: writer.WriteEndArray(); break;
            case JsonTokenType.PropertyName: WriteName(ref reader, writer); break;
            // Unescaped, then escaped again by the encoder the SDK's writer uses.
            case JsonTokenType.String:
                if (reader.ValueIsEscaped) writer.WriteStringValue(reader.GetString());
                else writer.WriteStringValue(reader.ValueSpan);
                break;
            // The number's text as the source has it: the exact decimal the POCO keeps (ExactDecimals) and writes.
            case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
            case JsonTokenType.True: writer.WriteBooleanValue(true); break;
            case JsonTokenType.False: writer.WriteBooleanValue(false); break;
            case JsonTokenType.Null: writer.WriteNullValue(); break;
        }
    }
}
