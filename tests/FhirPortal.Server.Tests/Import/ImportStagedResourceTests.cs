using System.Runtime.CompilerServices;
using System.Text;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Operations.Import;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Import;

/// <summary>
/// The write rules read what an import (or any write) staged as the unit holds it (<see cref="UnitOfWork.ResourceOf"/>),
/// not by parsing the staged JSON again: the import had just parsed it, and those parses were a sixth of the import's CPU.
/// What the unit hands over is what the version stores.
/// </summary>
public sealed class ImportStagedResourceTests : IDisposable
{
    private readonly FhirPortalHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async System.Threading.Tasks.Task Importing_into_an_empty_store_runs_the_rules_without_parsing_any_stored_json()
    {
        // Booked appointments (scheduling rules, booking notices and AuditEvents) and released lab results (result
        // notices, which the notice rules then read as staged Communications): every rule reads staged versions, and
        // the store holds nothing a rule could have parsed legitimately.
        var soon = DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-ddTHH:mm:ssK");
        var later = DateTimeOffset.UtcNow.AddDays(2).AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:ssK");
        var appointments = Enumerable.Range(0, 20).Select(i =>
            $$"""{"resourceType":"Appointment","id":"a{{i}}","status":"booked","start":"{{soon}}","end":"{{later}}","slot":[{"reference":"Slot/s{{i}}"}],"participant":[{"actor":{"reference":"Patient/p{{i}}"},"status":"accepted"}]}""");
        var issued = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssK");
        var results = Enumerable.Range(0, 20).Select(i =>
            $$"""{"resourceType":"Observation","id":"o{{i}}","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":{"text":"glucose"},"subject":{"reference":"Patient/p{{i % 3}}"},"issued":"{{issued}}","valueQuantity":{"value":5.4} }""");

        var parses = new StrongBox<int>();
        var (imported, staged) = await ImportAsync(parses, ("Appointment", appointments), ("Observation", results));

        Assert.Equal(40, imported);
        // The rules did run and stage their own records (a booking's AuditEvent, the notices): they saw the writes.
        Assert.True(staged > 40, $"{staged} resources stored");
        Assert.Equal(0, parses.Value);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_staged_version_is_handed_over_as_stored_once_per_version_and_the_callers_resource_is_left_as_it_came()
    {
        var runner = _host.Services.GetRequiredService<WriteRunner>();
        using var _ = _host.Services.GetRequiredService<CallerContext>().Use(Caller.Server);
        var given = new Patient { Id = "client-id", Active = true, Meta = new Meta { Tag = [new Coding("http://example.org/t", "x")] } };

        var (json, first, second) = await runner.RunAsync(unit =>
        {
            var version = unit.StageVersion(given, "p1", current: null);
            return System.Threading.Tasks.Task.FromResult((version.Json.ToArray(), unit.ResourceOf(version), unit.ResourceOf(version)));
        }, CancellationToken.None);

        Assert.Same(first, second);
        Assert.NotSame(given, first);
        Assert.Equal(Encoding.UTF8.GetString(json), Encoding.UTF8.GetString(FhirSerializer.ToJsonBytes(first!)));
        Assert.Equal(("client-id", (string?)null), (given.Id, given.Meta.VersionId));
    }

    /// <summary>Imports each type's lines as one batch, counting the stored-JSON parses of the whole write path.</summary>
    private async Task<(int Imported, int Stored)> ImportAsync(StrongBox<int> parses, params (string Type, IEnumerable<string> Lines)[] inputs)
    {
        var writer = _host.Services.GetRequiredService<ImportWriter>();
        using var _ = _host.Services.GetRequiredService<CallerContext>().Use(Caller.Server);
        var imported = 0;
        FhirParser.StoredParses.Value = parses;
        try
        {
            foreach (var (type, lines) in inputs)
            {
                var numbered = lines.Select((l, i) => new NdjsonLine(i + 1, Encoding.UTF8.GetBytes(l), 0)).ToList();
                var result = await writer.WriteAsync(writer.Parse(numbered, type, validate: false, CancellationToken.None), CancellationToken.None);
                Assert.Empty(result.Rejected);
                imported += result.Imported;
            }
        }
        finally
        {
            FhirParser.StoredParses.Value = null;
        }
        var store = _host.Services.GetRequiredService<IResourceStore>();
        var stored = 0;
        foreach (var type in new[] { "Appointment", "Observation", "AuditEvent", "Communication" })
            stored += (await store.SearchAsync(new FhirPortal.Search.SearchQuery(type, [], 1000, null), CancellationToken.None)).Entries.Count;
        return (imported, stored);
    }
}
