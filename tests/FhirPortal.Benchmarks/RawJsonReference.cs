using System.Buffers;
using System.Diagnostics;
using System.Text.Json;

namespace FhirPortal.Benchmarks;

/// <summary>
/// The parse/serialize ceiling: every resource (as the server exported it) read token by token with Utf8JsonReader and
/// written again with Utf8JsonWriter (values copied as UTF-8 spans, unescaped only where escaped), on every core,
/// repeated for the scenario duration.
/// </summary>
internal static class RawJsonReference
{
    public static Sample Measure(IReadOnlyList<byte[]> resources, TimeSpan duration)
    {
        var threads = Environment.ProcessorCount;
        var meter = CpuMeter.Start(null);
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var totals = new (long Count, long Bytes)[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            var output = new ArrayBufferWriter<byte>(1 << 16);
            using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
            long count = 0, bytes = 0;
            do
            {
                // Each thread walks the whole list from its own offset, so all threads see the same mix.
                for (var i = 0; i < resources.Count; i++)
                {
                    var json = resources[(i + thread * resources.Count / threads) % resources.Count];
                    output.ResetWrittenCount();
                    writer.Reset(output);
                    Rewrite(json, writer);
                    writer.Flush();
                    bytes += json.Length;
                    count++;
                }
            }
            while (Stopwatch.GetTimestamp() < stopAt);
            totals[thread] = (count, bytes);
        });
        var (seconds, client, _) = meter.Stop();
        return new Sample(totals.Sum(t => t.Count) / seconds, double.NaN, double.NaN, totals.Sum(t => t.Bytes) / seconds / 1e6,
            client, double.NaN, 0, seconds, totals.Sum(t => t.Count));
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
                case JsonTokenType.PropertyName:
                    if (reader.ValueIsEscaped) writer.WritePropertyName(reader.GetString()!);
                    else writer.WritePropertyName(reader.ValueSpan);
                    break;
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped) writer.WriteStringValue(reader.GetString());
                    else writer.WriteStringValue(reader.ValueSpan);
                    break;
                case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                case JsonTokenType.Null: writer.WriteNullValue(); break;
            }
        }
    }
}
