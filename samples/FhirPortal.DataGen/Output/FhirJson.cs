using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirPortal.DataGen.Output;

/// <summary>Compact FHIR JSON through the SDK's serializer (one line per resource, as NDJSON needs).</summary>
public static class FhirJson
{
    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);

    public static byte[] ToBytes(Base value, bool pretty = false)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = pretty, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Serializer.Serialize(value, writer);
        return buffer.WrittenSpan.ToArray();
    }
}
