using System.Text;
using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using FhirPortal.Server.Tests.DataGen;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Import;

/// <summary>
/// $import stores a cleanly parsed line's own JSON with the version's meta instead of serialising the parsed POCO again
/// (VersionFactory.Build with a source): what it stores must be what serialising stores, byte for byte for the data
/// generator's lines (the SDK wrote them), and as content for the official examples (pretty-printed, other orders).
/// </summary>
public sealed class ImportStoredJsonTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 16, 0, 0, 123, TimeSpan.Zero);
    private readonly FhirPortalHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void Generated_lines_are_stored_byte_for_byte_as_serialising_them_would_store_them()
    {
        var lines = 0;
        foreach (var (_, url) in ImportClient.Generated(_host, GeneratorOutputTests.Small(seed: 5, patients: 2)))
            foreach (var line in File.ReadLines(new Uri(url).LocalPath).Where(l => l.Length > 0))
            {
                var (kept, serialised) = Both(Encoding.UTF8.GetBytes(line), mustBeClean: true);
                Assert.Equal(Encoding.UTF8.GetString(serialised), Encoding.UTF8.GetString(kept!));
                lines++;
            }
        Assert.True(lines > 100, $"{lines} lines");
    }

    [SkippableFact]
    public void Official_examples_are_stored_with_the_content_serialising_them_would_store()
    {
        var clean = 0;
        foreach (var file in Directory.GetFiles(SharedFixtures.Require("examples"), "*.json"))
        {
            var (kept, serialised) = Both(File.ReadAllBytes(file), mustBeClean: false);
            if (kept is null) continue;
            clean++;
            var reread = FhirSerializer.ToJsonBytes(FhirParser.ParseStored(kept));
            Assert.True(serialised.AsSpan().SequenceEqual(reread), Path.GetFileName(file));
        }
        Assert.True(clean > 600, $"{clean} examples parsed cleanly");
    }

    [Fact]
    public void Escapes_decimals_and_the_other_meta_elements_are_kept_and_meta_goes_after_the_id()
    {
        const string line = """{"id":"x","status":"final","resourceType":"Observation","code":{"text":"a \"q\" \u00e9 \n é"},"valueQuantity":{"value":1.50e0}}""";
        var (kept, serialised) = Both(Encoding.UTF8.GetBytes(line), mustBeClean: true);
        var text = Encoding.UTF8.GetString(kept!);
        Assert.StartsWith("""{"id":"x","meta":{"versionId":"3","lastUpdated":"2026-12-07T16:00:00.123+00:00"},"status":"final",""", text);
        Assert.Contains("\"value\":1.50e0", text);
        Assert.Equal(Encoding.UTF8.GetString(serialised), Encoding.UTF8.GetString(FhirSerializer.ToJsonBytes(FhirParser.ParseStored(kept))));

        const string tagged = """{"resourceType":"Patient","id":"p","meta":{"versionId":"9","lastUpdated":"2020-01-01T00:00:00Z","tag":[{"code":"t"}]},"active":true}""";
        (kept, serialised) = Both(Encoding.UTF8.GetBytes(tagged), mustBeClean: true);
        Assert.Equal(Encoding.UTF8.GetString(serialised), Encoding.UTF8.GetString(kept!));
        Assert.Contains("""{"versionId":"3","lastUpdated":"2026-12-07T16:00:00.123+00:00","tag":[{"code":"t"}]}""", Encoding.UTF8.GetString(kept!));
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","id":"a","resourceType":"Observation","active":true}""")]
    [InlineData("""{"resourceType":"Patient","id":"a","contained":[{"resourceType":"Organization","id":"o","resourceType":"Observation"}],"active":true}""")]
    public void A_second_resourceType_in_one_object_is_never_stored_as_sent(string line)
    {
        // The SDK keeps the first resourceType without an issue; a last-wins reader of the stored bytes would see another type.
        var versions = _host.Services.GetRequiredService<VersionFactory>();
        var resource = _host.Services.GetRequiredService<FhirParser>().ParseJson(Encoding.UTF8.GetBytes(line), out _);
        var stored = versions.Build(resource, "a", 3, WriteMethod.Update, Now, Encoding.UTF8.GetBytes(line)).Version.Json.ToArray();
        var text = Encoding.UTF8.GetString(stored);

        Assert.DoesNotContain("Observation", text);
        Assert.Equal(text, Encoding.UTF8.GetString(versions.Build(resource, "a", 3, WriteMethod.Update, Now).Version.Json.ToArray()));
    }

    /// <summary>The stored JSON built from the source bytes, and the one built by serialising (null first when the parse was not clean).</summary>
    private (byte[]? Kept, byte[] Serialised) Both(byte[] json, bool mustBeClean)
    {
        var versions = _host.Services.GetRequiredService<VersionFactory>();
        var resource = _host.Services.GetRequiredService<FhirParser>().ParseJson(json, out var clean);
        if (mustBeClean) Assert.True(clean, Encoding.UTF8.GetString(json));
        var serialised = versions.Build(resource, resource.Id ?? "no-id", 3, WriteMethod.Update, Now).Version.Json.ToArray();
        if (!clean) return (null, serialised);
        return (versions.Build(resource, resource.Id ?? "no-id", 3, WriteMethod.Update, Now, json).Version.Json.ToArray(), serialised);
    }
}
