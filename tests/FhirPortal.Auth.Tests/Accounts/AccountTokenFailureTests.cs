using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// Only a duplicate key is a lost race for <see cref="AccountTokens"/>: any other failed insert (the account deleted
/// mid sign-in, a foreign key) ends the call with the error instead of retrying for ever.
/// </summary>
public sealed class AccountTokenFailureTests
{
    [Fact]
    public async Task Storing_a_code_for_a_deleted_account_fails_instead_of_retrying()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var db = new AuthDbContext(new DbContextOptionsBuilder<AuthDbContext>().UseSqlite(connection).UseOpenIddict().Options);
        await db.Database.EnsureCreatedAsync();
        var tokens = new AccountTokens(db);

        var put = tokens.PutAsync("deleted-user", "EmailCode", "{}", CancellationToken.None);

        Assert.Same(put, await Task.WhenAny(put, Task.Delay(TimeSpan.FromSeconds(30))));
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => put);
        Assert.Equal(787, ((SqliteException)error.InnerException!).SqliteExtendedErrorCode); // SQLITE_CONSTRAINT_FOREIGNKEY
        Assert.Null(await tokens.ReadAsync("deleted-user", "EmailCode", CancellationToken.None));
    }

    [Fact]
    public async Task A_value_stored_first_by_another_request_is_a_lost_swap()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var db = new AuthDbContext(new DbContextOptionsBuilder<AuthDbContext>().UseSqlite(connection).UseOpenIddict().Options);
        await db.Database.EnsureCreatedAsync();
        db.Users.Add(new PortalUser { Id = "u1", UserName = "u1" });
        await db.SaveChangesAsync();
        var tokens = new AccountTokens(db);

        Assert.True(await tokens.SwapAsync("u1", "EmailCode", null, "first", CancellationToken.None));
        Assert.False(await tokens.SwapAsync("u1", "EmailCode", null, "second", CancellationToken.None));
        Assert.Equal("first", await tokens.ReadAsync("u1", "EmailCode", CancellationToken.None));
    }
}
