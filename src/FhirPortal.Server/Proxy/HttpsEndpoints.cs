namespace FhirPortal.Server.Proxy;

/// <summary>Whether the configuration makes Kestrel listen for HTTPS itself (<c>urls</c>, <c>https_ports</c> or <c>Kestrel:Endpoints</c>).</summary>
public static class HttpsEndpoints
{
    public static bool Served(IConfiguration configuration) =>
        IsHttps(configuration["urls"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        || !string.IsNullOrWhiteSpace(configuration["https_ports"])
        || IsHttps(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]));

    private static bool IsHttps(IEnumerable<string?>? urls) =>
        urls?.Any(u => u?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true) == true;
}
