using FhirPortal.Core.Notifications;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using Twilio.Security;

namespace FhirPortal.Server.Notifications;

/// <summary>
/// <c>POST /notifications/twilio/inbound</c>: Twilio's webhook for replies to our texts. A reply of STOP (or another
/// opt-out keyword) opts the sending number out of texts. Only requests signed with our auth token are accepted.
/// </summary>
internal static class TwilioInboundEndpoint
{
    public const string Path = "/notifications/twilio/inbound";

    public static IEndpointRouteBuilder MapTwilioInbound(this IEndpointRouteBuilder app)
    {
        // Note: no antiforgery token: the caller is Twilio, authenticated by the request signature checked below.
        app.MapPost(Path, HandleAsync).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpRequest request, IOptions<TwilioOptions> options, SmsOptOut optOut, CancellationToken ct)
    {
        var token = options.Value.AuthToken;
        if (string.IsNullOrEmpty(token)) return Results.NotFound();
        if (!request.HasFormContentType) return Results.BadRequest();
        var form = await request.ReadFormAsync(ct);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString());
        // Note: Twilio signs the URL it called plus the sorted form fields with the account's auth token (HMAC-SHA1).
        var signature = request.Headers["X-Twilio-Signature"].ToString();
        if (string.IsNullOrEmpty(signature) || !new RequestValidator(token).Validate(request.GetEncodedUrl(), fields, signature))
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        if (SmsOptOut.IsStop(fields.GetValueOrDefault("Body")) && fields.GetValueOrDefault("From") is { Length: > 0 } from)
            await optOut.OptOutAsync(from, ct);
        // An empty TwiML answer: Twilio itself confirms an opt-out to the sender.
        return Results.Content("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>", "text/xml");
    }
}
