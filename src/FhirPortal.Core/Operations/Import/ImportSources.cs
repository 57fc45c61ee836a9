using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using FhirPortal.Core.Subscriptions;

namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// Where $import may read from: files under <see cref="ImportOptions.Root"/> (<c>file:</c> URLs or paths relative to
/// it) and http(s) URLs whose host is on <see cref="ImportOptions.AllowedHosts"/>. The connection re-checks every
/// address it connects to (<see cref="EndpointGuard.IsPublic"/>, unless private addresses are allowed), so DNS
/// rebinding cannot reach an internal address; no redirects are followed.
/// </summary>
public sealed class ImportSources : IDisposable
{
    private readonly ImportOptions _options;
    private readonly HttpClient _client;

    public ImportSources(ImportOptions options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            // Decoded here (DecodeAsync), not by the handler: a resume must know whether the body was content-encoded,
            // since a Range counts stored (encoded) bytes while the reader counts decoded ones.
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = async (context, ct) =>
            {
                var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
                var allowed = addresses.Where(Allowed).ToArray();
                if (allowed.Length == 0)
                    throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves to no public address; the server does not fetch from internal addresses.");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        foreach (var coding in new[] { "gzip", "deflate", "br" }) _client.DefaultRequestHeaders.AcceptEncoding.Add(new(coding));
    }

    public string Root => Path.GetFullPath(_options.Root ?? "import");

    /// <summary>The input's URL in the form the job keeps (a file as an absolute <c>file:</c> URL), or 400 when it may not be read.</summary>
    public async Task<string> CheckAsync(string url, string expression, CancellationToken ct)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            if (!_options.AllowedHosts.Contains(uri.IdnHost, StringComparer.OrdinalIgnoreCase))
                throw FhirOutcomeException.BadRequest($"The host of '{url}' is not on FhirPortal:Import:AllowedHosts; the server imports only from allowed hosts.", expression);
            IPAddress[] addresses;
            try { addresses = await ResolveAsync(uri.IdnHost, ct); }
            catch (Exception e) when (e is SocketException or ArgumentException) { addresses = []; }
            if (addresses.Length == 0) throw FhirOutcomeException.BadRequest($"The host of '{url}' cannot be resolved.", expression);
            if (!addresses.All(Allowed))
                throw FhirOutcomeException.BadRequest($"'{url}' resolves to a loopback, private or link-local address; the server does not fetch from those.", expression);
            return uri.AbsoluteUri;
        }
        var path = FilePath(url) ?? throw FhirOutcomeException.BadRequest(
            $"Input url '{url}' must be an http(s) URL of an allowed host or a file: URL (or relative path) under the import folder.", expression);
        if (!InsideRoot(path)) throw FhirOutcomeException.BadRequest($"Input '{url}' is outside the import folder; only files under it can be imported.", expression);
        if (!File.Exists(path)) throw FhirOutcomeException.BadRequest($"Input '{url}' does not exist in the import folder.", expression);
        if (LinkOnTheWay(path) is { } link)
            throw FhirOutcomeException.BadRequest($"Input '{url}' is reached through the symbolic link '{link}'; the server follows no links in the import folder.", expression);
        return new Uri(path).AbsoluteUri;
    }

    /// <summary>
    /// Opens a checked input for reading at decoded byte <paramref name="offset"/>; <paramref name="known"/> is what a URL
    /// input held when first read (saved with the checkpoint). Returns the stream and, for a URL, the version to save.
    /// </summary>
    public async Task<(Stream Stream, SourceVersion? Version)> OpenAsync(string url, long offset, SourceVersion? known, CancellationToken ct)
    {
        var uri = new Uri(url);
        if (uri.IsFile)
        {
            // Checked again at run time: a folder or file may have been swapped for a link since the kick-off.
            var path = Path.GetFullPath(uri.LocalPath);
            if (!InsideRoot(path)) throw new IOException("the file is no longer under the import folder.");
            if (LinkOnTheWay(path) is { } link) throw new IOException($"'{link}' is a symbolic link now; the server follows no links in the import folder.");
            var file = new FileStream(uri.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            file.Seek(offset, SeekOrigin.Begin);
            return (file, null);
        }
        var body = await ResumingBody.OpenAsync((from, version, token) => RequestAsync(uri, from, version, token), offset, known, _options.ReadRetries, ct);
        return (body, body.Version);
    }

    /// <summary>
    /// GETs the URL. From decoded byte <paramref name="offset"/> it sends a Range (with If-Range) only when the content
    /// was first read without Content-Encoding (then stored and decoded bytes are the same); otherwise the body starts at 0.
    /// </summary>
    private async Task<SourceResponse> RequestAsync(Uri uri, long offset, SourceVersion? known, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        var ranged = offset > 0 && known is { Encoded: false };
        if (ranged)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
            request.Headers.IfRange = known!.IfRange;
        }
        var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var version = SourceVersion.Of(response);
        // A resume at the very end: nothing is left, which is no failure when the source is still that long.
        if (ranged && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && version.Length == offset)
        {
            response.Dispose();
            return new(Stream.Null, offset, version);
        }
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new IOException($"{uri.AbsoluteUri} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        var partial = response.StatusCode == HttpStatusCode.PartialContent;
        if (partial && (!ranged || response.Content.Headers.ContentRange?.From != offset || version.Encoded))
        {
            response.Dispose();
            throw new IOException($"{uri.AbsoluteUri} answered the range from byte {offset} with another range or encoding.");
        }
        // The timeout above ends with the headers; each read of the body gets the same bound on how long it may stall.
        Stream body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(ct), response, _options.RequestTimeout);
        try { body = Decoded(body, response.Content.Headers.ContentEncoding); }
        catch
        {
            await body.DisposeAsync();
            throw;
        }
        return new(body, partial ? offset : 0, version);
    }

    /// <summary>The body decoded from its Content-Encoding (applied in the order listed, so undone last to first).</summary>
    private static Stream Decoded(Stream body, ICollection<string> encodings)
    {
        foreach (var coding in encodings.Reverse())
            body = coding.ToLowerInvariant() switch
            {
                "gzip" or "x-gzip" => new GZipStream(body, CompressionMode.Decompress),
                "deflate" => new ZLibStream(body, CompressionMode.Decompress),
                "br" => new BrotliStream(body, CompressionMode.Decompress),
                "identity" => body,
                _ => throw new IOException($"the source answered with Content-Encoding '{coding}', which the server cannot decode."),
            };
        return body;
    }

    public void Dispose() => _client.Dispose();

    private bool Allowed(IPAddress address) => _options.AllowPrivateAddresses || EndpointGuard.IsPublic(address);

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);

    private string? FilePath(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return uri.IsFile && !uri.IsUnc ? Path.GetFullPath(uri.LocalPath) : null;
        return url.Length > 0 && !Path.IsPathRooted(url) ? Path.GetFullPath(Path.Combine(Root, url)) : null;
    }

    /// <summary>
    /// The first component of <paramref name="path"/> below the root that is a symbolic link (or junction), else null:
    /// every folder on the way is checked, not only the file, so a linked folder cannot lead outside the root.
    /// </summary>
    private string? LinkOnTheWay(string path)
    {
        var current = Root;
        foreach (var part in Path.GetRelativePath(Root, path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = System.IO.Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is not null) return Path.GetRelativePath(Root, current);
        }
        return null;
    }

    private bool InsideRoot(string path)
    {
        var root = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
        return Path.GetFullPath(path).StartsWith(root, StringComparison.Ordinal);
    }
}
