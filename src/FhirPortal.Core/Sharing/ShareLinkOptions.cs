using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Sharing;

/// <summary>Limits of patient share links (SMART Health Links), section <c>FhirPortal:ShareLinks</c>.</summary>
public sealed class ShareLinkOptions
{
    public const string Section = "FhirPortal:ShareLinks";

    /// <summary>The latest expiry a patient may give a link, counted from its creation.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "365.00:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Wrong passcodes a link with a passcode accepts before it stops working.</summary>
    [Range(1, 100)]
    public int PasscodeAttempts { get; set; } = 5;

    /// <summary>How long a file <c>location</c> handed out in a manifest stays valid (SHL: short-lived, single use).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan FileLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Links one patient may hold (active or not) before older ones must be revoked; keeps the list bounded.</summary>
    [Range(1, 10_000)]
    public int MaxLinksPerPatient { get; set; } = 100;

    /// <summary>
    /// How long a link's record is kept after it ended (expired or revoked), listed to the patient as such, before the
    /// purge removes it for good (its manifest URL then answers 404 like any unknown link). At least an hour, so no
    /// request that read a link before it ended is still running when the purge removes it.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan PurgeAfter { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Whether this instance runs the purge (every <see cref="PurgeInterval"/>, first at start-up).</summary>
    public bool Purge { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Requests to the recipients' routes (<c>/shl/...</c>) one client address may make per <see cref="RateLimitWindow"/>.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitRequests { get; set; } = 60;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);
}
