using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Auth.Accounts;

/// <summary>The <c>FhirPortal:Auth:Accounts</c> section: patient self-registration, activation codes, password policy, account links.</summary>
public sealed class AccountOptions
{
    public const string Section = "FhirPortal:Auth:Accounts";

    /// <summary>How long an activation code issued by staff stays usable.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "365.00:00:00")]
    public TimeSpan ActivationCodeLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The identifier system whose values count as the medical record number. Empty (default): any identifier typed
    /// v2-0203 <c>MR</c>, which is how the <c>portal-patient</c> profile recognises its MRN slice.
    /// </summary>
    public string? MrnSystem { get; set; }

    /// <summary>Failed registration attempts for one MRN before registration for that MRN is locked.</summary>
    [Range(1, 100)]
    public int MaxRegistrationFailures { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan RegistrationLockout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the second registration step (choosing user name and password) may follow the first.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan RegistrationStepLifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How long a password reset link works (it also stops working once used).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan PasswordResetLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long an email confirmation link works.</summary>
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan EmailConfirmationLifetime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Sign-in is refused until the account's email address is confirmed.</summary>
    public bool RequireConfirmedEmail { get; set; } = true;

    public PasswordPolicy Password { get; set; } = new();
}

/// <summary>Password rules (<c>FhirPortal:Auth:Accounts:Password</c>), applied to Identity's options; common passwords are always refused.</summary>
public sealed class PasswordPolicy
{
    [Range(8, 128)]
    public int RequiredLength { get; set; } = 12;
    public bool RequireUppercase { get; set; } = true;
    public bool RequireLowercase { get; set; } = true;
    public bool RequireDigit { get; set; } = true;
    public bool RequireNonAlphanumeric { get; set; } = true;

    /// <summary>The rules in words, for the pages that ask for a new password.</summary>
    public string Describe()
    {
        var kinds = new[] { (RequireUppercase, "an upper case letter"), (RequireLowercase, "a lower case letter"), (RequireDigit, "a digit"), (RequireNonAlphanumeric, "a symbol") }
            .Where(k => k.Item1).Select(k => k.Item2).ToList();
        var with = kinds.Count == 0 ? "" : " with " + (kinds.Count == 1 ? kinds[0] : string.Join(", ", kinds[..^1]) + " and " + kinds[^1]);
        return $"At least {RequiredLength} characters{with}; not a common password and not your user name.";
    }
}
