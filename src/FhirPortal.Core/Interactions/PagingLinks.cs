namespace FhirPortal.Core.Interactions;

/// <summary>
/// Builds self/first/next/previous links from the request's own parameters, so a client can follow them unchanged.
/// <c>first</c> is the request without a cursor; there is no <c>last</c>: keyset cursors only know their neighbours.
/// </summary>
internal static class PagingLinks
{
    public static List<BundleLinkResult> Build(string baseUrl, string path, IEnumerable<KeyValuePair<string, string>> parameters, string? cursor, string? nextCursor, string? previousCursor = null)
    {
        var kept = parameters.Where(p => p.Key != "_cursor").ToList();
        var links = new List<BundleLinkResult> { new("self", Url(baseUrl, path, kept, cursor)), new("first", Url(baseUrl, path, kept, null)) };
        if (nextCursor is not null) links.Add(new("next", Url(baseUrl, path, kept, nextCursor)));
        if (previousCursor is not null) links.Add(new("previous", Url(baseUrl, path, kept, previousCursor)));
        return links;
    }

    private static string Url(string baseUrl, string path, List<KeyValuePair<string, string>> parameters, string? cursor)
    {
        var all = cursor is null ? parameters : [.. parameters, new("_cursor", cursor)];
        var query = string.Join("&", all.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        var url = baseUrl.TrimEnd('/') + (path.Length > 0 ? "/" + path : "");
        return query.Length == 0 ? url : url + "?" + query;
    }
}
