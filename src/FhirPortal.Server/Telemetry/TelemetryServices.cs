using FhirPortal.Core.Audit;
using FhirPortal.Core.Notifications;
using FhirPortal.Core.Operations.Export;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FhirPortal.Server.Telemetry;

/// <summary>The <c>FhirPortal:Telemetry</c> section: which OpenTelemetry exporters run. Nothing is exported unless set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "FhirPortal:Telemetry";

    /// <summary>An OTLP collector (<c>http://collector:4317</c>): metrics, traces and logs are sent to it.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Serve metrics for Prometheus to scrape at <c>/metrics</c> (keep that path off the public network).</summary>
    public bool Prometheus { get; set; }
}

/// <summary>
/// Registers the server's meter (<see cref="PortalMetrics"/>), the /fhir request counter, and OpenTelemetry with the
/// configured exporters: ASP.NET Core's own HTTP metrics and traces plus the FhirPortal meter.
/// </summary>
public static class TelemetryServices
{
    public static WebApplicationBuilder AddFhirPortalTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<PortalMetrics>();
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (options.OtlpEndpoint is null && !options.Prometheus) return builder;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("FhirPortal"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PortalMetrics.MeterName).AddAspNetCoreInstrumentation();
                if (options.Prometheus) metrics.AddPrometheusExporter();
                if (options.OtlpEndpoint is { } endpoint) metrics.AddOtlpExporter(o => o.Endpoint = endpoint);
            });
        if (options.OtlpEndpoint is { } otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddOtlpExporter(o => o.Endpoint = otlp));
            // Log records carry the trace and span ids of the request they were written in.
            telemetry.WithLogging(logging => logging.AddOtlpExporter(o => o.Endpoint = otlp));
        }
        return builder;
    }

    /// <summary>
    /// Publishes the background queues, counts every /fhir request by interaction once its status is final (after the
    /// error handlers ran) and, when configured, serves /metrics for Prometheus.
    /// </summary>
    public static void UseFhirPortalTelemetry(this WebApplication app)
    {
        var services = app.Services;
        var metrics = services.GetRequiredService<PortalMetrics>();
        // Resolved when the gauge is read, so nothing is created early just to be measured.
        metrics.ObserveQueue("audit", () => services.GetRequiredService<AuditQueue>().Reader.Count);
        metrics.ObserveQueue("export", () => services.GetRequiredService<ExportJobs>().Queued);
        metrics.ObserveQueue("notification", () => services.GetRequiredService<NotificationDispatcher>().Waiting);
        app.Use(async (context, next) =>
        {
            // Note: without a listener (no exporter, no MeterListener) nothing is counted, so nothing is named either.
            if (!metrics.CountsRequests || !context.Request.Path.StartsWithSegments("/fhir"))
            {
                await next(context);
                return;
            }
            // Note: read before the call; the exception handler clears the endpoint when it answers an error.
            var endpoint = context.GetEndpoint();
            try
            {
                await next(context);
            }
            finally
            {
                var (type, interaction, operation) = FhirInteractionName.Of(context, endpoint);
                metrics.CountRequest(type, interaction, operation, context.Response.StatusCode);
            }
        });
        if (app.Configuration.GetValue<bool>($"{TelemetryOptions.Section}:Prometheus")) app.MapPrometheusScrapingEndpoint("/metrics");
    }
}
