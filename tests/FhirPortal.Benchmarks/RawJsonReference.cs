using System.Buffers;
using System.Diagnostics;
using System.Text.Json;

namespace FhirPortal.Benchmarks;

/// <summary>
/// The parse/serialize ceiling: every resource (as the server exported it) read token by token with Utf8JsonReader,
/// values included, and written again with Utf8JsonWriter, on one thread, repeated for the scenario duration.
/// </summary>
internal static class RawJsonReference
{
    public static Sample Measure(IReadOnlyList<byte[]> resources, TimeSpan duration)
    {
        var output = new ArrayBufferWriter<byte>(1 << 16);
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        long count = 0, bytes = 0;
        var meter = CpuMeter.Start(null);
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        do
        {
            foreach (var json in resources)
            {
                output.ResetWrittenCount();
                writer.Reset(output);
                Rewrite(json, writer);
                writer.Flush();
                bytes += json.Length;
                count++;
            }
        }
        while (Stopwatch.GetTimestamp() < stopAt);
        var (seconds, client, _) = meter.Stop();
        return new Sample(count / seconds, double.NaN, double.NaN, bytes / seconds / 1e6, client, double.NaN, 0, seconds, count);
    }

    private static void Rewrite(ReadOnlySpan<byte> json, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                // Unescaped values, as a parser building an object model would see them.
                case JsonTokenType.PropertyName: writer.WritePropertyName(reader.GetString()!); break;
                case JsonTokenType.String: writer.WriteStringValue(reader.GetString()); break;
                case JsonTokenType.Number: writer.WriteNumberValue(reader.GetDecimal()); break;
                case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                case JsonTokenType.Null: writer.WriteNullValue(); break;
            }
        }
    }
}
