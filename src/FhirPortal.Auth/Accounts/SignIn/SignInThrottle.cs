using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>
/// Slows password guessing without revealing accounts or letting strangers lock them (OWASP ASVS 2.2.1): failed
/// sign-ins are counted per typed name and caller address and per caller address, whether or not the name exists;
/// past the free attempts every further failure doubles the wait before the next attempt is heard. Identity's lockout
/// (a higher count, any address) is the backstop against guessing spread over many addresses. Kept in memory: a restart
/// forgets the waits, never the lockouts.
/// </summary>
public sealed class SignInThrottle(IOptions<SignInOptions> options, TimeProvider clock)
{
    private sealed record Counter(int Failures, DateTimeOffset LastFailure, DateTimeOffset NextAllowed);

    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    private SignInOptions.ThrottleSettings Settings => options.Value.Throttle;

    /// <summary>Until when attempts for this name from this address are not heard; null when one may be made now.</summary>
    public DateTimeOffset? BlockedUntil(string? name, string? address)
    {
        var now = clock.GetUtcNow();
        var until = Keys(name, address).Select(k => _counters.TryGetValue(k.Key, out var c) && !Forgotten(c, now) ? c.NextAllowed : now).Max();
        return until > now ? until : null;
    }

    /// <summary>Counts a failed attempt; returns until when the next one must wait (null: it may follow at once).</summary>
    public DateTimeOffset? Failed(string? name, string? address)
    {
        var now = clock.GetUtcNow();
        if (_counters.Count > MaxEntries) Prune(now);
        foreach (var (key, free) in Keys(name, address))
            _counters.AddOrUpdate(key, _ => Next(1, free, now), (_, c) => Next(Forgotten(c, now) ? 1 : c.Failures + 1, free, now));
        return BlockedUntil(name, address);
    }

    /// <summary>A successful sign-in clears the name's count from that address (the address's own count stays).</summary>
    public void Succeeded(string? name, string? address) => _counters.TryRemove(NameKey(name, address), out _);

    /// <summary>The wait after the given number of failures: none for the free ones, then BaseDelay doubling up to MaxDelay.</summary>
    public TimeSpan Delay(int failures, int free)
    {
        if (failures < free) return TimeSpan.Zero;
        var doublings = Math.Min(failures - free, 30);
        var delay = Settings.BaseDelay * Math.Pow(2, doublings);
        return delay < Settings.MaxDelay ? delay : Settings.MaxDelay;
    }

    private Counter Next(int failures, int free, DateTimeOffset now) => new(failures, now, now + Delay(failures, free));

    // A count is forgotten once nothing failed for ForgetAfter (and its wait is over).
    private bool Forgotten(Counter c, DateTimeOffset now) => now - c.LastFailure > Settings.ForgetAfter && now >= c.NextAllowed;

    private IEnumerable<(string Key, int Free)> Keys(string? name, string? address)
    {
        yield return (NameKey(name, address), Settings.FreeAttemptsPerName);
        yield return ($"address\n{address}", Settings.FreeAttemptsPerAddress);
    }

    private static string NameKey(string? name, string? address) => $"name\n{(name ?? "").Trim().ToUpperInvariant()}\n{address}";

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, counter) in _counters)
            if (Forgotten(counter, now)) _counters.TryRemove(key, out _);
    }
}
