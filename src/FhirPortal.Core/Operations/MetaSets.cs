using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations;

/// <summary>
/// Profiles, tags and security labels as the sets R4 $meta-add/$meta-delete treat them: a tag or label is identified
/// by system and code (version and display are ignored), a profile by its full URL.
/// </summary>
internal static class MetaSets
{
    public static void Add(Meta target, Meta source)
    {
        foreach (var profile in source.Profile)
            if (!target.Profile.Contains(profile)) target.Profile = [.. target.Profile, profile];
        foreach (var tag in source.Tag)
            if (!target.Tag.Any(t => Same(t, tag))) target.Tag.Add((Coding)tag.DeepCopy());
        foreach (var label in source.Security)
            if (!target.Security.Any(s => Same(s, label))) target.Security.Add((Coding)label.DeepCopy());
    }

    public static void Remove(Meta target, Meta source)
    {
        target.Profile = target.Profile.Where(p => !source.Profile.Contains(p)).ToList();
        target.Tag.RemoveAll(t => source.Tag.Any(r => Same(t, r)));
        target.Security.RemoveAll(s => source.Security.Any(r => Same(s, r)));
    }

    private static bool Same(Coding a, Coding b) => a.System == b.System && a.Code == b.Code;
}
