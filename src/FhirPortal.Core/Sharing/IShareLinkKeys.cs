namespace FhirPortal.Core.Sharing;

/// <summary>
/// Wraps a link's encryption key for storage (the host uses ASP.NET Core Data Protection), so a copy of the store
/// alone cannot decrypt what a link serves.
/// </summary>
public interface IShareLinkKeys
{
    string Protect(byte[] key);

    byte[] Unprotect(string protectedKey);
}
