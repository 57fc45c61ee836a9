using System.Net;
using FhirPortal.Server.Tests.Operations;

namespace FhirPortal.Server.Tests.Import;

/// <summary>file: inputs are never read through a symbolic link below the import root: refused at kick-off and again when the job opens the file.</summary>
public sealed class ImportLinkTests : IDisposable
{
    private const string Inside = """{"resourceType":"Patient","id":"inside1"}""";
    private const string Outside = """{"resourceType":"Patient","id":"outside1"}""";

    private FreezableStore? _store;
    private readonly FhirPortalHost _host;
    private readonly string _root;
    private readonly string _outside;

    public ImportLinkTests()
    {
        _host = new FhirPortalHost { TestServices = FreezableStore.Install(s => _store = s) };
        _root = ImportClient.Root(_host);
        _outside = Directory.CreateDirectory(Path.Combine(_host.DataDirectory, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "p.ndjson"), Outside + "\n");
    }

    public void Dispose()
    {
        _store?.Thaw();
        _host.Dispose();
    }

    [Theory]
    [InlineData("linked/p.ndjson")]   // a folder link inside the root that points outside it
    [InlineData("p-link.ndjson")]     // a file link
    public async Task An_input_reached_through_a_symbolic_link_is_a_400(string url)
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "linked"), _outside);
        File.CreateSymbolicLink(Path.Combine(_root, "p-link.ndjson"), Path.Combine(_outside, "p.ndjson"));

        var response = await ImportClient.KickOffAsync(_host.CreateFhirClient(), ImportClient.Manifest(("Patient", url)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("symbolic link", (string)(await response.ReadJsonAsync())["issue"]![0]!["diagnostics"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_swapped_for_a_link_after_the_kick_off_gives_an_error_line_not_the_outside_file()
    {
        var client = _host.CreateFhirClient();
        var folder = Directory.CreateDirectory(Path.Combine(_root, "sub")).FullName;
        File.WriteAllText(Path.Combine(folder, "p.ndjson"), Inside + "\n");
        // The store stops right after the kick-off saved the job, so the job cannot open the file before the swap.
        _store!.FreezeAfterJobSaves(1);
        var status = await BulkClient.StartAsync(client, "$import", ImportClient.Manifest(("Patient", "sub/p.ndjson")));
        await _store.Frozen;
        Directory.Delete(folder, recursive: true);
        Directory.CreateSymbolicLink(folder, _outside);
        _store.Thaw();

        var result = await BulkClient.WaitAsync(client, status, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("Patient/outside1")).StatusCode);
        var error = Assert.Single(await ImportClient.ErrorsAsync(client, result));
        Assert.Contains("symbolic link", ImportClient.Diagnostics(error), StringComparison.Ordinal);
    }
}
