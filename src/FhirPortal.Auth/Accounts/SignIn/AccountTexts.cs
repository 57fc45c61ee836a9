using System.Text.Json;
using FhirPortal.Auth.Data;
using FhirPortal.Core.Notifications;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>How a <see cref="AccountTexts.SendAsync"/> went; <c>RetryAt</c> is set when the hourly limit stopped it.</summary>
public sealed record TextSend(bool Sent, DateTimeOffset? RetryAt = null);

/// <summary>
/// Texts from the account pages (number verification and sign-in codes). They go through the host's SMS
/// <see cref="INoticeSender"/> (Core's seam: the server registers Twilio, or files in <c>{DataDirectory}/sms</c>), so
/// Auth needs no Twilio of its own; at most <see cref="SignInOptions.TextsPerHour"/> per account, counted in
/// AspNetUserTokens (atomically, <see cref="AccountTokens"/>) so the limit holds across parallel requests and instances.
/// </summary>
public sealed class AccountTexts(IEnumerable<INoticeSender> senders, AccountTokens tokens, IOptions<SignInOptions> options,
    TimeProvider clock, ILogger<AccountTexts> logger)
{
    private const string SentToken = "TextsSent";
    private readonly INoticeSender? _sms = senders.FirstOrDefault(s => s.Channel == NoticeChannel.Sms);

    /// <summary>
    /// Whether account texts are offered: the host has an SMS sender that reaches people (Twilio; the development file
    /// sink only where <see cref="INoticeSender.ReachesPeople"/> allows it), so nobody is sent a code that lands in a file.
    /// </summary>
    public bool Available => _sms is { ReachesPeople: true };

    /// <summary>Texts <paramref name="text"/> to <paramref name="to"/> (E.164) for <paramref name="user"/>, unless over the hourly limit.</summary>
    public async Task<TextSend> SendAsync(PortalUser user, string to, string text, CancellationToken ct)
    {
        if (_sms is null || !Available) return new TextSend(false);
        // Counted before sending, atomically: parallel sends each add their own time (a lost swap reads again), so
        // exactly the limit gets through; a failed send still costs one, so retries cannot run up the bill.
        for (var attempt = 0; ; attempt++)
        {
            if (attempt == AccountTokens.MaxAttempts) throw AccountTokens.ContendedToken(SentToken);
            var now = clock.GetUtcNow();
            var stored = await tokens.ReadAsync(user.Id, SentToken, ct);
            var recent = (stored is null ? [] : JsonSerializer.Deserialize<List<DateTimeOffset>>(stored) ?? []).Where(t => t > now.AddHours(-1)).ToList();
            if (recent.Count >= options.Value.TextsPerHour) return new TextSend(false, recent.Min().AddHours(1));
            recent.Add(now);
            if (await tokens.SwapAsync(user.Id, SentToken, stored, JsonSerializer.Serialize(recent), ct)) break;
        }
        try
        {
            await _sms.SendAsync(new OutgoingNotice(NoticeChannel.Sms, to, "FhirPortal", text), ct);
            return new TextSend(true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Account text for {User} not sent", user.Id);
            return new TextSend(false);
        }
    }
}
