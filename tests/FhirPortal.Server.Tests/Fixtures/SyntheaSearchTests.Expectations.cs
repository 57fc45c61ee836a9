using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FhirPortal.Server.Tests.Fixtures;

// The expectation side of SyntheaSearchTests: the bundle files read with System.Text.Json into a small model of the
// loaded resources (server keys, resolved references) and the predicates the tests evaluate on it, independent of
// the server's indexer and query engine.
public sealed partial class SyntheaSearchTests
{
    private sealed record Res(string Key, string Type, JsonElement Json);

    private sealed class BundleData
    {
        private readonly Dictionary<string, string> _byFullUrl = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<Res>> _byType = new(StringComparer.Ordinal);

        public BundleData(SyntheaLoad load)
        {
            foreach (var bundle in load.Bundles)
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(load.Folder!, bundle.File)));
                var entries = doc.RootElement.GetProperty("entry").EnumerateArray().ToList();
                Assert.Equal(entries.Count, bundle.Entries.Count);
                for (var i = 0; i < entries.Count; i++)
                {
                    var key = bundle.Entries[i].Key ?? throw new InvalidOperationException($"{bundle.File} entry {i} was not stored");
                    var resource = entries[i].GetProperty("resource").Clone();
                    var type = resource.GetProperty("resourceType").GetString()!;
                    if (entries[i].TryGetProperty("fullUrl", out var fullUrl)) _byFullUrl[fullUrl.GetString()!] = key;
                    // A conditional create that found its match (a provider loaded twice) names the same key: keep one.
                    if (!_byType.TryGetValue(type, out var list)) _byType[type] = list = [];
                    if (list.All(r => r.Key != key)) list.Add(new Res(key, type, resource));
                }
            }
        }

        public IReadOnlyList<Res> OfType(string type) => _byType.TryGetValue(type, out var list) ? list : [];

        public string? Resolve(string? reference) =>
            reference is null ? null : _byFullUrl.TryGetValue(reference, out var key) ? key : reference.Contains('?') ? null : reference;

        public string? Ref(Res resource, string property) =>
            resource.Json.TryGetProperty(property, out var r) && r.TryGetProperty("reference", out var text) ? Resolve(text.GetString()) : null;

        public IEnumerable<string> Refs(Res resource, string property) =>
            resource.Json.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Where(r => r.TryGetProperty("reference", out _))
                    .Select(r => Resolve(r.GetProperty("reference").GetString())).OfType<string>()
                : [];

        /// <summary>The patient with the most resources of a type that satisfy a condition (ties by key).</summary>
        public string PatientWithMost(string type, Func<Res, bool> where)
        {
            var property = type == "Immunization" ? "patient" : "subject";
            return OfType(type).Where(where).Select(r => Ref(r, property)).OfType<string>()
                .Where(k => k.StartsWith("Patient/", StringComparison.Ordinal))
                .GroupBy(k => k).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        }
    }

    private static readonly Lock DataLock = new();
    private static (SyntheaLoad Load, BundleData Data)? _data;

    private BundleData Data()
    {
        lock (DataLock)
        {
            if (_data is not { } cached || cached.Load != load) _data = (load, new BundleData(load));
            return _data.Value.Data;
        }
    }

    private static string? Str(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IEnumerable<JsonElement> Concepts(JsonElement resource, string property) =>
        !resource.TryGetProperty(property, out var v) ? []
        : v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [v];

    private static bool HasCoding(JsonElement resource, string property, string? system, string code) =>
        Concepts(resource, property).Any(c => c.TryGetProperty("coding", out var codings) && codings.EnumerateArray()
            .Any(x => Str(x, "code") == code && (system is null || Str(x, "system") == system)));

    private static bool HasCode(JsonElement resource, string property, string code) => HasCoding(resource, property, null, code);

    private static DateTimeOffset Utc(int y, int m, int d) => new(y, m, d, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The spans a choice date element (<c>[x]</c>: dateTime or Period) covers, per FHIR date precision.</summary>
    private static IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> Dates(JsonElement resource, string element)
    {
        if (Str(resource, element + "DateTime") is { } dt) yield return Range(dt);
        if (Str(resource, element + "Instant") is { } instant) yield return Range(instant);
        if (resource.TryGetProperty(element + "Period", out var period))
        {
            var start = Str(period, "start") is { } s ? Range(s).Start : DateTimeOffset.MinValue;
            var end = Str(period, "end") is { } e ? Range(e).End : DateTimeOffset.MaxValue;
            yield return (start, end);
        }
    }

    /// <summary>A date/dateTime as the half-open span its precision denotes; no zone is read as UTC.</summary>
    private static (DateTimeOffset Start, DateTimeOffset End) Range(string value)
    {
        switch (value.Length)
        {
            case 4: { var y = Utc(int.Parse(value, CultureInfo.InvariantCulture), 1, 1); return (y, y.AddYears(1)); }
            case 7: { var m = DateTimeOffset.ParseExact(value + "-01Z", "yyyy-MM-ddK", CultureInfo.InvariantCulture); return (m, m.AddMonths(1)); }
            case 10: { var d = DateTimeOffset.ParseExact(value + "Z", "yyyy-MM-ddK", CultureInfo.InvariantCulture); return (d, d.AddDays(1)); }
        }
        var t = DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var fraction = value.Contains('.');
        return (t.ToUniversalTime(), t.ToUniversalTime() + (fraction ? TimeSpan.FromTicks(1) : TimeSpan.FromSeconds(1)));
    }

    private static string FamilyOf(JsonElement patient) => Str(patient.GetProperty("name")[0], "family") ?? "";

    private static bool Ascii(string s) => s.Length >= 4 && s.All(char.IsAsciiLetterOrDigit);

    private static IEnumerable<string> NameParts(JsonElement patient)
    {
        if (!patient.TryGetProperty("name", out var names)) yield break;
        foreach (var name in names.EnumerateArray())
            foreach (var (property, value) in name.EnumerateObject().Select(p => (p.Name, p.Value)))
            {
                if (property is "family" or "text" && value.ValueKind == JsonValueKind.String) yield return value.GetString()!;
                if (property is "given" or "prefix" or "suffix")
                    foreach (var part in value.EnumerateArray()) yield return part.GetString()!;
            }
    }

    /// <summary>Case- and accent-insensitive form (search.html#string), computed here independently.</summary>
    private static string Normalize(string value)
    {
        var sb = new StringBuilder();
        foreach (var c in value.Normalize(NormalizationForm.FormD))
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) sb.Append(char.ToLowerInvariant(c));
        return sb.ToString();
    }
}
