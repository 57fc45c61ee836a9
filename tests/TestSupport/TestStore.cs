using System.Security.Cryptography;
using System.Text;
using FhirPortal.TestSupport;

namespace FhirPortal.Server.Tests;

/// <summary>
/// Which store the test hosts run on: SQLite unless FHIRPORTAL_TEST_STORE=Cosmos, which starts one Cosmos emulator
/// for the whole test run (test.sh runs the search tests a second time that way). An emulator that cannot start then
/// fails every test that asks for it, with the reason, in and outside CI: the variable asked for Cosmos explicitly.
/// </summary>
internal static class TestStore
{
    public const string Variable = "FHIRPORTAL_TEST_STORE";

    private static readonly Lazy<Task<CosmosEmulatorProcess>> Emulator = new(() => Task.Run(async () =>
    {
        var emulator = await CosmosEmulatorProcess.StartAsync();
        // Stopped when the test process ends (and the wrapper exits by itself if this process dies: its stdin closes).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => emulator.Stop();
        return emulator;
    }));

    public static bool IsCosmos =>
        string.Equals(Environment.GetEnvironmentVariable(Variable), "Cosmos", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The storage settings for a host on <paramref name="dataDirectory"/>: none for SQLite; for Cosmos a container
    /// named after the data directory, so a restart test's second host (same directory) reopens the same data.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string?>> Settings(string dataDirectory)
    {
        if (!IsCosmos) yield break;
        CosmosEmulatorProcess emulator;
        try { emulator = Emulator.Value.GetAwaiter().GetResult(); }
        catch (Exception e) { throw new InvalidOperationException($"{Variable}=Cosmos but the Cosmos emulator did not start: {e.Message}", e); }
        var container = "c" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..32];
        yield return new("FhirPortal:Storage:Provider", "Cosmos");
        yield return new("FhirPortal:Storage:Cosmos:Endpoint", emulator.Endpoint);
        yield return new("FhirPortal:Storage:Cosmos:Key", CosmosEmulatorProcess.Key);
        yield return new("FhirPortal:Storage:Cosmos:Database", CosmosEmulatorProcess.Database);
        yield return new("FhirPortal:Storage:Cosmos:Container", container);
    }
}
