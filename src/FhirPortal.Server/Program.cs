using FhirPortal.Auth;
using FhirPortal.Server;
using FhirPortal.Server.Demo;
using FhirPortal.Server.Endpoints;
using FhirPortal.Server.Notifications;
using FhirPortal.Server.Proxy;
using FhirPortal.Server.Security;
using FhirPortal.Server.Telemetry;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

var builder = WebApplication.CreateBuilder(args);

// First: every later middleware (OpenIddict's included) must see the scheme, host and address the proxy forwarded.
builder.Services.AddProxyHeaders();
builder.AddFhirPortalTelemetry();

builder.Services.AddFhirPortal();
builder.Services.AddFhirPortalDemo();
builder.Services.AddFhirPortalAuth();
builder.Services.AddFhirSecurity();
builder.Services.AddSecurityHeaders();
builder.Services.AddRequestDecompression();
builder.Services.AddHealthChecks().AddCheck<StoreReadyCheck>("store", tags: ["ready"]).AddCheck<ValidationReadyCheck>("validation", tags: ["ready"]);
builder.Services.AddEndpointsApiExplorer();
builder.Services.AddSwaggerGen(o => o.SwaggerDoc("v1", new() { Title = "FhirPortal FHIR R4 API", Version = "v1" }));
builder.WebHost.ConfigureKestrel((context, kestrel) =>
{
    // FHIR bodies are limited by FhirPortal:Limits (with an OperationOutcome); Kestrel's cap sits just above.
    var limits = context.Configuration.GetSection("FhirPortal:Limits").Get<LimitOptions>() ?? new LimitOptions();
    kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBytes + 1;
});

var app = builder.Build();

// Outside the error handlers, so each request is counted with its final status.
app.UseFhirPortalTelemetry();
app.UseFhirErrors();
// After the error handlers, so a corrupt compressed body still gets an OperationOutcome.
app.UseRequestDecompression();
app.UseFhirSecurity();
// Per-endpoint limits (the guest bill-pay page), after routing chose the endpoint.
app.UseRateLimiter();
// Only under /swagger (its document and UI): matching Swagger's routes on every FHIR request cost CPU for nothing.
app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger"), swagger => swagger.UseSwagger().UseSwaggerUI());
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapFhirApi();
app.MapFhirPortalAuth();
app.MapTwilioInbound();

app.Run();

/// <summary>Entry point, visible to the in-process test host.</summary>
public partial class Program;
