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
}
