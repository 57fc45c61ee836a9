using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>Maps the common column list (type, id, version, last_updated, method, json, patients) to a <see cref="StoredResource"/>.</summary>
internal static class SqliteRows
{
    public const string Columns = "r.type, r.id, v.version, v.last_updated, v.method, v.json, v.patients";

    /// <summary>How many columns <see cref="Columns"/> lists.</summary>
    public const int Width = 7;

    public static StoredResource ToStoredResource(SqliteDataReader reader, int offset) => new(
        new ResourceKey(reader.GetString(offset), reader.GetString(offset + 1)),
        reader.GetInt32(offset + 2),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(offset + 3)),
        (WriteMethod)reader.GetInt32(offset + 4),
        (byte[])reader.GetValue(offset + 5))
    {
        Patients = reader.IsDBNull(offset + 6) ? null : reader.GetString(offset + 6),
    };

    public static long ToUnixMs(DateTimeOffset value) => value.ToUnixTimeMilliseconds();
}
