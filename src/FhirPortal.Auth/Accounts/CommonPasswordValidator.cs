using System.Collections.Frozen;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;

namespace FhirPortal.Auth.Accounts;

/// <summary>
/// Refuses passwords that are common (common-passwords.txt, embedded), also when only dressed up with digits or symbols
/// before or after (<c>Password2024!</c>) or look-alike digits (<c>P@ssw0rd</c>), and passwords that contain the user name.
/// Identity's own validator checks length and character classes.
/// </summary>
public sealed class CommonPasswordValidator : IPasswordValidator<PortalUser>
{
    private static readonly FrozenSet<string> Common = Load();

    public Task<IdentityResult> ValidateAsync(UserManager<PortalUser> manager, PortalUser user, string? password)
    {
        if (string.IsNullOrEmpty(password)) return Task.FromResult(IdentityResult.Success);
        var errors = new List<IdentityError>();
        if (IsCommon(password))
            errors.Add(new IdentityError { Code = "PasswordTooCommon", Description = "This password is too common or too easy to guess; choose a less predictable one." });
        if (user.UserName is { Length: >= 3 } name && password.Contains(name, StringComparison.OrdinalIgnoreCase))
            errors.Add(new IdentityError { Code = "PasswordContainsUserName", Description = "The password must not contain the user name." });
        return Task.FromResult(errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]));
    }

    /// <summary>Whether the password, or its letters once leading/trailing digits and symbols are removed, is a common one.</summary>
    public static bool IsCommon(string password)
    {
        var lower = password.ToLowerInvariant();
        if (Common.Contains(lower)) return true;
        // Only the ends are trimmed: the letters inside stay, and look-alike digits inside are read as letters.
        var stem = lower.Trim([.. lower.Where(c => !char.IsLetter(c)).Distinct()]);
        return Common.Contains(stem) || Common.Contains(Unleet(stem, 'i')) || Common.Contains(Unleet(stem, 'l'));
    }

    private static string Unleet(string s, char one) => new(s.Select(c => c switch
    {
        '@' or '4' => 'a', '0' => 'o', '1' or '!' => one, '3' => 'e', '5' or '$' => 's', '7' or '+' => 't', '8' => 'b', _ => c,
    }).ToArray());

    private static FrozenSet<string> Load()
    {
        using var stream = typeof(CommonPasswordValidator).Assembly.GetManifestResourceStream("FhirPortal.Auth.Accounts.common-passwords.txt")
            ?? throw new InvalidOperationException("The embedded common-passwords.txt is missing.");
        using var reader = new StreamReader(stream);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
            if (line.Trim() is { Length: > 0 } word && !word.StartsWith('#')) words.Add(word.ToLowerInvariant());
        return words.ToFrozenSet(StringComparer.Ordinal);
    }
}
