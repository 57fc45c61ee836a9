using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Auth.Audit;

/// <summary>What happened to an account, for <see cref="AuditTrail"/>; <see cref="Subject"/> is the resource acted on (e.g. the Patient registered).</summary>
public sealed record AuditRecord(
    Coding Type,
    Coding Subtype,
    AuditEvent.AuditEventAction Action,
    AuditEvent.AuditEventOutcome Outcome,
    string? UserName,
    string? FhirUser,
    string? Description = null,
    string? Subject = null);

/// <summary>
/// Records account events (sign-in, failures, lockout, registration, resets, two-factor changes, admin actions) as FHIR
/// AuditEvents in the store, so administrators search them like any resource. Writes run as the server itself: the
/// person acting usually holds no FHIR token, and the trail must be written even for a failed attempt.
/// </summary>
public sealed class AuditTrail(CreateInteraction create, CallerContext callers, IHttpContextAccessor http,
    TimeProvider clock, ILogger<AuditTrail> logger)
{
    public async System.Threading.Tasks.Task RecordAsync(AuditRecord record, CancellationToken ct = default)
    {
        var audit = Build(record);
        try
        {
            using var _ = callers.Use(Caller.Server);
            await create.CreateAsync(audit.TypeName, audit, null, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The account action itself already happened; losing its audit entry is logged loudly rather than undoing it.
            logger.LogError(e, "Could not record audit event {Subtype} for {User}", record.Subtype.Code, record.UserName);
        }
    }

    private AuditEvent Build(AuditRecord record)
    {
        var context = http.HttpContext;
        var agent = new AuditEvent.AgentComponent
        {
            Requestor = true,
            AltId = record.UserName,
            Name = record.UserName,
            Who = record.FhirUser is { } fhirUser ? new ResourceReference(fhirUser) : null,
        };
        if (context?.Connection.RemoteIpAddress is { } ip)
            agent.Network = new AuditEvent.NetworkComponent { Address = ip.ToString(), Type = AuditEvent.AuditEventAgentNetworkType.N2 };

        var audit = new AuditEvent
        {
            Type = record.Type,
            Subtype = [record.Subtype],
            Action = record.Action,
            Recorded = clock.GetUtcNow(),
            Outcome = record.Outcome,
            OutcomeDesc = record.Description,
            Agent = [agent],
            Source = new AuditEvent.SourceComponent
            {
                Site = "FhirPortal",
                Observer = new ResourceReference { Display = "FhirPortal authorization server" },
                Type = [new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "3", "Web Server")],
            },
        };
        var userAgent = context?.Request.Headers.UserAgent.ToString();
        if (record.Subject is not null || !string.IsNullOrEmpty(userAgent))
        {
            var entity = new AuditEvent.EntityComponent { What = record.Subject is { } subject ? new ResourceReference(subject) : null };
            if (!string.IsNullOrEmpty(userAgent))
                entity.Detail = [new AuditEvent.DetailComponent { Type = "user-agent", Value = new FhirString(userAgent) }];
            audit.Entity = [entity];
        }
        return audit;
    }
}

/// <summary>Codings for account events: DICOM audit event types and FhirPortal's own subtypes.</summary>
public static class AuditCodes
{
    private const string Dicom = "http://dicom.nema.org/resources/ontology/DCM", Portal = "https://fhirportal.dev/CodeSystem/account-event";

    public static readonly Coding UserAuthentication = new(Dicom, "110114", "User Authentication");
    public static readonly Coding SecurityAlert = new(Dicom, "110113", "Security Alert");
    public static readonly Coding SecurityAttributesChanged = new(Dicom, "110137", "User Security Attributes Changed");

    public static readonly Coding Login = new(Dicom, "110122", "Login");
    public static readonly Coding Logout = new(Dicom, "110123", "Logout");

    /// <summary>A FhirPortal account event subtype (e.g. "registration", "password-reset", "lockout", "two-factor-enabled").</summary>
    public static Coding Account(string code, string display) => new(Portal, code, display);
}
