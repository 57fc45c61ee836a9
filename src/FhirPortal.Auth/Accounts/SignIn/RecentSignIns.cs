using System.Text.Json;
using FhirPortal.Auth.Audit;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using Microsoft.AspNetCore.Http;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>One sign-in attempt as the account page lists it.</summary>
public sealed record SignInEntry(DateTimeOffset When, bool Succeeded, string What, string? Address, string? UserAgent);

/// <summary>
/// A user's recent sign-ins, read back from the AuditEvents <see cref="AuditTrail"/> wrote (type User Authentication,
/// agent altId = the user name). The search runs as the server itself; the page shows only the signed-in user's own.
/// </summary>
public sealed class RecentSignIns(SearchInteraction search, CallerContext callers)
{
    public async Task<List<SignInEntry>> ForAsync(HttpContext http, string userName, int count, CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("altid", userName),
            new("type", $"{AuditCodes.UserAuthentication.System}|{AuditCodes.UserAuthentication.Code}"),
            new("_sort", "-date"),
            new("_count", count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        var bundle = await search.ExecuteAsync(FhirBase.Of(http), new SearchScope("AuditEvent"), parameters, strict: true, ct);
        return bundle.Entries.Where(e => e.Resource is not null).Select(e => Entry(e.Resource!.Json)).ToList();
    }

    private static SignInEntry Entry(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var agent = root.GetProperty("agent")[0];
        var address = agent.TryGetProperty("network", out var network) && network.TryGetProperty("address", out var a) ? a.GetString() : null;
        string? userAgent = null;
        if (root.TryGetProperty("entity", out var entities))
            foreach (var entity in entities.EnumerateArray())
                if (entity.TryGetProperty("detail", out var details))
                    foreach (var detail in details.EnumerateArray())
                        if (detail.GetProperty("type").GetString() == "user-agent") userAgent = detail.GetProperty("valueString").GetString();
        var subtype = root.TryGetProperty("subtype", out var s) ? s[0].GetProperty("code").GetString() : null;
        var what = root.TryGetProperty("outcomeDesc", out var d) ? d.GetString()! : subtype ?? "";
        return new SignInEntry(DateTimeOffset.Parse(root.GetProperty("recorded").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            root.GetProperty("outcome").GetString() == "0", what, address, userAgent);
    }
}
