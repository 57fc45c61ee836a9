using System.Xml.Linq;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace FhirPortal.Auth.Keys;

/// <summary>The Data Protection key repository of the account database, used only once that database is migrated.</summary>
internal sealed class MigratedXmlRepository(IXmlRepository inner, AuthDatabaseMigration migration) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        migration.EnsureMigrated();
        return inner.GetAllElements();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        migration.EnsureMigrated();
        inner.StoreElement(element, friendlyName);
    }
}
