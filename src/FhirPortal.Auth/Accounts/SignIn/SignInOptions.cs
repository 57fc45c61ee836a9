using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>The <c>FhirPortal:Auth:Accounts:SignIn</c> section: two-factor policy, one-time passcodes and lockout.</summary>
public sealed class SignInOptions
{
    public const string Section = "FhirPortal:Auth:Accounts:SignIn";

    /// <summary>Every patient account signs in with a second factor; without an authenticator app, a code is mailed.</summary>
    public bool RequireTwoFactorForPatients { get; set; } = true;

    /// <summary>How long a sign-in or verification code (mailed or texted) is valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan EmailCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Wrong entries after which a mailed or texted code is void (at sign-in, each also counts towards lockout).</summary>
    [Range(1, 20)]
    public int EmailCodeMaxAttempts { get; set; } = 5;

    /// <summary>How long the half-signed-in state (password checked, second factor pending) lasts.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan TwoFactorStepLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Texts (verification and sign-in codes) one account may cause in an hour; texts cost money and reach third parties.</summary>
    [Range(1, 100)]
    public int TextsPerHour { get; set; } = 5;

    /// <summary>The region (ISO 3166 code) a mobile number typed without +country code is read in.</summary>
    [Required, RegularExpression("^[A-Z]{2}$")]
    public string PhoneRegion { get; set; } = "US";

    [Range(4, 20)]
    public int RecoveryCodeCount { get; set; } = 10;

    /// <summary>Authenticator apps show this as the account's issuer.</summary>
    [Required]
    public string AuthenticatorIssuer { get; set; } = "FhirPortal";

    public LockoutSettings Lockout { get; set; } = new();

    public ThrottleSettings Throttle { get; set; } = new();

    /// <summary>Where a locked-out user can reset the password (linked from the sign-in page).</summary>
    [Required]
    public string PasswordResetPath { get; set; } = "/auth/forgot-password";

    /// <summary>Who unlocks accounts, shown to a locked-out user.</summary>
    [Required]
    public string SupportContact { get; set; } = "your portal administrator";

    /// <summary>
    /// Failed sign-ins (wrong password or wrong code) in a row, from any address, before the account is locked, and for
    /// how long. Higher than the throttle's free attempts: the throttle slows guessing, the lockout only stops what
    /// gets through it (20 per 15 minutes is at most 80 guesses an hour, under ASVS 2.2.1's 100).
    /// </summary>
    public sealed class LockoutSettings
    {
        [Range(1, 100)]
        public int MaxFailedAttempts { get; set; } = 20;

        [Range(typeof(TimeSpan), "00:00:10", "30.00:00:00")]
        public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(15);
    }

    /// <summary>Exponential waits after failed passwords (<see cref="SignInThrottle"/>).</summary>
    public sealed class ThrottleSettings
    {
        /// <summary>Failures for one user name from one address before waits begin.</summary>
        [Range(1, 100)]
        public int FreeAttemptsPerName { get; set; } = 5;

        /// <summary>Failures from one address (any names) before waits begin.</summary>
        [Range(1, 10_000)]
        public int FreeAttemptsPerAddress { get; set; } = 20;

        /// <summary>The first wait; each further failure doubles it.</summary>
        [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

        [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);

        /// <summary>A count with no failure for this long starts again from zero.</summary>
        [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
        public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromHours(1);
    }
}
