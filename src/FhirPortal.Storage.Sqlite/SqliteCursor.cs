using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// A keyset paging position: the sort values and rid of the last row of a page. Opaque to clients (base64url JSON);
/// rows inserted or changed later never shift the pages that follow, unlike OFFSET.
/// </summary>
internal sealed record SqliteCursor(IReadOnlyList<object?> SortValues, long Rid, bool Backward = false)
{
    public string Encode()
    {
        var values = new JsonArray();
        foreach (var v in SortValues)
            values.Add(v switch
            {
                null => null,
                long l => new JsonArray("i", l.ToString(CultureInfo.InvariantCulture)),
                double d => new JsonArray("d", d.ToString("R", CultureInfo.InvariantCulture)),
                _ => new JsonArray("s", Convert.ToString(v, CultureInfo.InvariantCulture)),
            });
        var json = new JsonObject { ["k"] = values, ["r"] = Rid };
        if (Backward) json["b"] = true;
        return Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(json));
    }

    public static SqliteCursor Decode(string text, int sortKeys)
    {
        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(text))!.AsObject();
            var values = json["k"]!.AsArray().Select(node => node is null ? null : Value(node.AsArray())).ToList();
            if (values.Count != sortKeys) throw new FormatException("sort keys differ");
            return new SqliteCursor(values, (long)json["r"]!, json["b"] is not null && (bool)json["b"]!);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException or ArgumentException)
        {
            throw new ArgumentException("The paging cursor is not valid for this search; start again from the first page.", e);
        }
    }

    private static object Value(JsonArray tagged)
    {
        var text = (string)tagged[1]!;
        return (string)tagged[0]! switch
        {
            "i" => long.Parse(text, CultureInfo.InvariantCulture),
            "d" => double.Parse(text, CultureInfo.InvariantCulture),
            _ => text,
        };
    }
}
