using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// Checks at start-up the settings that go into every notice the server builds and stores without validation
/// (<see cref="NoticeOutbox"/>): a bad value would otherwise make each one invalid against portal-communication, or
/// silently put quiet hours in UTC.
/// </summary>
public sealed partial class NotificationOptionsValidation : IValidateOptions<NotificationOptions>
{
    // Communication.sender's target types in R4.
    private static readonly string[] SenderTypes = ["Device", "Organization", "Patient", "Practitioner", "PractitionerRole", "RelatedPerson", "HealthcareService"];

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.OrganizationName))
            failures.Add($"{NotificationOptions.Section}:OrganizationName must name the organization (it is every notice's sender).");
        if (options.SenderReference is { Length: > 0 } reference
            && (SenderReferencePattern().Match(reference) is not { Success: true } match || !SenderTypes.Contains(match.Groups[1].Value)))
            failures.Add($"{NotificationOptions.Section}:SenderReference '{reference}' must be a relative reference Type/id (absolute or " +
                         $"versioned allowed) to one of {string.Join(", ", SenderTypes)} (e.g. Organization/clinic).");
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.DefaultTimeZone ?? "", out _))
            failures.Add($"{NotificationOptions.Section}:DefaultTimeZone '{options.DefaultTimeZone}' is not a known time zone (use an IANA id such as Europe/Berlin).");
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    // R4's literal reference form: [http(s)://base/]Type/id[/_history/vid], ids of 1-64 of A-Z a-z 0-9 - . ; the type
    // is the segment just before the id, whatever the base.
    [GeneratedRegex(@"^(?:https?://(?:[A-Za-z0-9\-\\\.\:\%\$]*/)+)?([A-Za-z]+)/[A-Za-z0-9\-\.]{1,64}(?:/_history/[A-Za-z0-9\-\.]{1,64})?$")]
    private static partial Regex SenderReferencePattern();
}
