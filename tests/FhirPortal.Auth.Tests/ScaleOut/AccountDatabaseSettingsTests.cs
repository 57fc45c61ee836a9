namespace FhirPortal.Auth.Tests.ScaleOut;

/// <summary>Account database settings that cannot work stop start-up with a message naming them.</summary>
public sealed class AccountDatabaseSettingsTests
{
    [Theory]
    [InlineData("MySql", null)]
    [InlineData("PostgreSql", null)]
    [InlineData("PostgreSql", " ")]
    public void Unusable_account_database_settings_stop_start_up(string provider, string? connectionString)
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?>
        {
            ["FhirPortal:Auth:Database:Provider"] = provider,
            ["FhirPortal:Auth:Database:ConnectionString"] = connectionString,
        });
        var error = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("FhirPortal:Auth:Database", error.ToString());
    }
}
