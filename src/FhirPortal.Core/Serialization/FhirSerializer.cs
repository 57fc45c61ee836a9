using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirPortal.Core.Serialization;

/// <summary>Writes POCOs as FHIR JSON or XML, optionally filtered (<c>_summary</c>, <c>_elements</c>).</summary>
public static class FhirSerializer
{
    private static readonly ExactJsonSerializer Json = new();
    private static readonly BaseFhirXmlSerializer Xml = new(ModelInfo.ModelInspector);

    public static byte[] ToJsonBytes(Base value, bool pretty = false, Func<SerializationFilter>? filter = null)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = pretty, SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Json.Serialize(value, writer, Stu3SubsettedTagFilter.Wrap(filter));
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteJson(Base value, Utf8JsonWriter writer, Func<SerializationFilter>? filter = null) =>
        Json.Serialize(value, writer, Stu3SubsettedTagFilter.Wrap(filter));

    public static byte[] ToXmlBytes(Base value, bool pretty = false, Func<SerializationFilter>? filter = null)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Indent = pretty, Encoding = new UTF8Encoding(false) }))
            Xml.Serialize(value, writer, Stu3SubsettedTagFilter.Wrap(filter));
        return stream.ToArray();
    }

    /// <summary>The SDK's serializer, writing each decimal with its exact text where the parser kept one.</summary>
    private sealed class ExactJsonSerializer() : BaseFhirJsonSerializer(ModelInfo.ModelInspector)
    {
        protected override void SerializePrimitiveValue(PrimitiveType value, Utf8JsonWriter writer)
        {
            if (value is FhirDecimal element && ExactDecimals.ExactText(element) is { } text) writer.WriteRawValue(text);
            else base.SerializePrimitiveValue(value, writer);
        }
    }
}
