using System.Diagnostics;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.DataGen.Generation;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Demo;

/// <summary>
/// At start-up, with <c>FhirPortal:Demo:Seed=true</c> and a store without patients: generates a small data set with
/// FhirPortal.DataGen and loads it through the transaction interaction, one Bundle per patient. The first patient is
/// <c>Patient/demo-patient</c>, the SMART demo user's record, so signing in as that user shows results, appointments and
/// messages. A store that already holds patients is left alone, which makes restarts idempotent. Without the flag,
/// an empty store gets a one-line hint.
/// </summary>
public sealed class DemoDataSeeder(
    IOptions<DemoOptions> demo, IOptions<FhirPortalOptions> portal, TransactionInteraction transaction, SearchInteraction search,
    CallerContext callers, TimeProvider clock, ILogger<DemoDataSeeder> logger) : IHostedService
{
    public const string DemoPatientId = "demo-patient";

    public async Task StartAsync(CancellationToken ct)
    {
        var baseUrl = portal.Value.PublicBaseUrl ?? "http://localhost/fhir";
        // Note: the server writes its own demo records; no caller token is involved.
        using var _ = callers.Use(Caller.Server);
        if (await HoldsPatientsAsync(baseUrl, ct))
        {
            if (demo.Value.Seed) logger.LogInformation("Demo data not loaded: the store already holds patients.");
            return;
        }
        if (!demo.Value.Seed)
        {
            logger.LogInformation("The store holds no patients. Start with --FhirPortal:Demo:Seed=true to load generated demo data ({Patients} patients).", demo.Value.Patients);
            return;
        }

        var options = new GeneratorOptions
        {
            Seed = demo.Value.RandomSeed, Patients = demo.Value.Patients, ResourcesPerPatient = demo.Value.ResourcesPerPatient,
            AsOf = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), FirstPatientId = DemoPatientId,
        };
        var timer = Stopwatch.StartNew();
        var shared = TransactionBundles.Shared(options);
        await transaction.ExecuteAsync(baseUrl, shared, ReturnPreference.Minimal, ct);
        var resources = shared.Entry.Count;
        foreach (var record in new PatientGenerator(options).All())
        {
            var bundle = TransactionBundles.Patient(record);
            await transaction.ExecuteAsync(baseUrl, bundle, ReturnPreference.Minimal, ct);
            resources += bundle.Entry.Count;
        }
        logger.LogInformation("Loaded demo data: {Patients} patients, {Resources} resources in {Seconds:F1} s (Patient/{DemoPatient} is the first).",
            options.Patients, resources, timer.Elapsed.TotalSeconds, DemoPatientId);
    }

    /// <summary>Whether any Patient other than the bare SMART demo patient exists (that one alone still counts as empty).</summary>
    private async Task<bool> HoldsPatientsAsync(string baseUrl, CancellationToken ct)
    {
        var page = await search.ExecuteAsync(baseUrl, new SearchScope("Patient"), [new("_count", "2")], strict: false, ct);
        return page.Entries.Any(e => e.Resource is { } stored && stored.Key.Id != DemoPatientId);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
