using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Notifications;

/// <summary>Notification settings (<c>FhirPortal:Notifications</c>): the sending organization, polling, retries, reminder offsets.</summary>
public sealed class NotificationOptions
{
    public const string Section = "FhirPortal:Notifications";

    /// <summary>Runs the dispatcher and the reminder scan in the background (off: nothing is sent, notices stay queued).</summary>
    public bool Background { get; set; } = true;

    /// <summary>How often the background worker looks for notices to send and reminders to queue.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The organization's name, in texts and as the notices' sender.</summary>
    [Required]
    public string OrganizationName { get; set; } = "FhirPortal";

    /// <summary>Optional reference of the sending Organization (e.g. <c>Organization/clinic</c>); else a display-only sender.</summary>
    public string? SenderReference { get; set; }

    /// <summary>Attempts to send one notice before it ends as <c>not-done</c>.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry; doubled for each further attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a dispatcher owns a claimed notice: an instance that crashed mid-send loses it after this and another
    /// sends it again. Longer than any send (SMTP/Twilio time-outs).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>No texts from this local time of the patient (email is not held back); held texts go at <see cref="QuietHoursEnd"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "23:59:59")]
    public TimeSpan QuietHoursStart { get; set; } = TimeSpan.FromHours(21);

    [Range(typeof(TimeSpan), "00:00:00", "23:59:59")]
    public TimeSpan QuietHoursEnd { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The time zone (IANA) of patients without the <c>timezone</c> extension.</summary>
    [Required]
    public string DefaultTimeZone { get; set; } = "UTC";

    /// <summary>How long a new result's notice is held (so clinicians can review the result first); 0: sent at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan ResultReleaseDelay { get; set; } = TimeSpan.Zero;

    /// <summary>The former name of <see cref="NoticeMaxAge"/> (from when it covered results only), still read; declared first so the new name wins when both are set.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan ResultNoticeMaxAge { get => NoticeMaxAge; set => NoticeMaxAge = value; }

    /// <summary>
    /// Results released (<c>issued</c>, else <c>effective</c>), messages sent (<c>sent</c>) and statements dated
    /// (<c>date</c>) longer ago than this are history (an import, a migration), not news: no notice.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan NoticeMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Whether something that happened at <paramref name="at"/> is older than <see cref="NoticeMaxAge"/> (unknown: not history).</summary>
    public bool IsHistory(DateTimeOffset? at, DateTimeOffset now) => at is { } time && time < now - NoticeMaxAge;

    /// <summary>
    /// Folder of the email templates (<c>{culture}/{kind}.txt</c> and <c>.html</c>); null: the <c>Notifications/Templates</c>
    /// folder shipped beside the server. Add a culture folder (e.g. <c>es</c>) to localise; <c>en</c> is the fallback.
    /// </summary>
    public string? TemplateDirectory { get; set; }

    /// <summary>Reminder offsets before an appointment's start; null or empty: 7 days and 24 hours.</summary>
    public List<TimeSpan>? Reminders { get; set; }

    /// <summary>The offsets in effect, largest first.</summary>
    public IReadOnlyList<TimeSpan> ReminderOffsets =>
        (Reminders is { Count: > 0 } r ? r : [TimeSpan.FromDays(7), TimeSpan.FromHours(24)]).Where(t => t > TimeSpan.Zero).Distinct().OrderDescending().ToList();
}
