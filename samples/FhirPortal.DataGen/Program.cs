using System.Globalization;
using System.Net.Http.Headers;
using FhirPortal.DataGen;
using FhirPortal.DataGen.Generation;
using FhirPortal.DataGen.Output;

// FhirPortal synthetic data: see README "Demo data" and `--help`.
CommandLine command;
try { command = CommandLine.Parse(args); }
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}
if (command.Help)
{
    Console.WriteLine(CommandLine.Usage);
    return 0;
}

var options = command.Generator;
if (command.PostUrl is { } url)
{
    using var client = new HttpClient { BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/"), Timeout = TimeSpan.FromMinutes(10) };
    client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
    if (command.BearerToken is { } token) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    var result = await new ServerPoster(client, command.Concurrency, Console.Out).PostAsync(options, CancellationToken.None);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Posted {result.Bundles} transactions, {result.Resources} resources in {result.Elapsed.TotalSeconds:F1} s: {result.ResourcesPerSecond:N0} resources/s (concurrency {command.Concurrency})."));
    return 0;
}

var written = command.Format == "ndjson"
    ? DataSetFiles.WriteNdjson(options, command.OutputDirectory)
    : DataSetFiles.WriteBundles(options, command.OutputDirectory);
Console.WriteLine($"Wrote {written} resources for {options.Patients} patients to {Path.GetFullPath(command.OutputDirectory)} ({command.Format}).");
return 0;
