namespace FhirPortal.Core.Subscriptions;

/// <summary>POSTs a notification to a rest-hook endpoint; the host implements it over HTTP with the address guard.</summary>
public interface IRestHookChannel
{
    /// <summary>Sends <paramref name="body"/>; returns null on a 2xx answer, else why it failed (never throws for HTTP errors).</summary>
    Task<string?> PostAsync(Uri endpoint, IReadOnlyList<string> headers, string contentType, byte[] body, CancellationToken ct);
}
