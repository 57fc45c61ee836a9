using System.Text.Json;
using FhirPortal.Auth.Data;
using FhirPortal.Core.Notifications;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>How a <see cref="AccountTexts.SendAsync"/> went; <c>RetryAt</c> is set when the hourly limit stopped it.</summary>
public sealed record TextSend(bool Sent, DateTimeOffset? RetryAt = null);

/// <summary>
/// Texts from the account pages (number verification and sign-in codes). They go through the host's SMS
/// <see cref="INoticeSender"/> (Core's seam: the server registers Twilio, or files in <c>{DataDirectory}/sms</c>), so
/// Auth needs no Twilio of its own; at most <see cref="SignInOptions.TextsPerHour"/> per account, counted in
/// AspNetUserTokens so the limit holds across instances.
/// </summary>
public sealed class AccountTexts(IEnumerable<INoticeSender> senders, UserManager<PortalUser> users, IOptions<SignInOptions> options,
    TimeProvider clock, ILogger<AccountTexts> logger)
{
    private const string SentToken = "TextsSent";
    private readonly INoticeSender? _sms = senders.FirstOrDefault(s => s.Channel == NoticeChannel.Sms);

    /// <summary>Whether the host can send texts at all.</summary>
    public bool Available => _sms is not null;

    /// <summary>Texts <paramref name="text"/> to <paramref name="to"/> (E.164) for <paramref name="user"/>, unless over the hourly limit.</summary>
    public async Task<TextSend> SendAsync(PortalUser user, string to, string text, CancellationToken ct)
    {
        if (_sms is null) return new TextSend(false);
        var now = clock.GetUtcNow();
        var stored = await users.GetAuthenticationTokenAsync(user, OneTimeCodeProvider.Store, SentToken);
        var recent = (stored is null ? [] : JsonSerializer.Deserialize<List<DateTimeOffset>>(stored) ?? []).Where(t => t > now.AddHours(-1)).ToList();
        if (recent.Count >= options.Value.TextsPerHour) return new TextSend(false, recent.Min().AddHours(1));
        // Counted before sending: a failed send still costs one, so retries cannot run up the bill.
        recent.Add(now);
        await users.SetAuthenticationTokenAsync(user, OneTimeCodeProvider.Store, SentToken, JsonSerializer.Serialize(recent));
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
