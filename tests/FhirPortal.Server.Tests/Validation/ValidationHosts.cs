namespace FhirPortal.Server.Tests.Validation;

/// <summary>Hosts with the production validation policy: profiles/ of this checkout, RequireProfiles at its default.</summary>
internal static class ValidationHosts
{
    public static string ProfilesDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("FhirPortal.sln not found."), "profiles");
        }
    }

    /// <summary>Settings for a host that enforces the default RequireProfiles (the code default of ValidationOptions).</summary>
    public static Dictionary<string, string?> Production(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FhirPortal:ProfilesDirectory"] = ProfilesDirectory,
            ["FhirPortal:Validation:RequireProfiles"] = new ValidationOptions().RequireProfiles,
        };
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }
}
