using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>
/// A FHIR interaction that ends in an error: the HTTP status and the OperationOutcome that explains it.
/// Core throws it; the REST layer and bundle processing turn it into a response in one place each.
/// </summary>
public sealed class FhirOutcomeException(int status, OperationOutcome outcome) : Exception(Describe(outcome))
{
    public int Status { get; } = status;
    public OperationOutcome Outcome { get; } = outcome;

    public static FhirOutcomeException BadRequest(string message, string? expression = null) =>
        Single(400, OperationOutcome.IssueType.Invalid, message, expression);
    /// <summary>403: the caller is known but its access token does not permit this (SMART scopes, compartment).</summary>
    public static FhirOutcomeException Forbidden(string message) =>
        Single(403, OperationOutcome.IssueType.Forbidden, message);
    public static FhirOutcomeException NotFound(string message) =>
        Single(404, OperationOutcome.IssueType.NotFound, message);
    public static FhirOutcomeException MethodNotAllowed(string message) =>
        Single(405, OperationOutcome.IssueType.NotSupported, message);
    public static FhirOutcomeException Conflict(string message) =>
        Single(409, OperationOutcome.IssueType.Conflict, message);
    public static FhirOutcomeException Gone(string message) =>
        Single(410, OperationOutcome.IssueType.Deleted, message);
    public static FhirOutcomeException PreconditionFailed(string message) =>
        Single(412, OperationOutcome.IssueType.Conflict, message);
    public static FhirOutcomeException TooLarge(string message) =>
        Single(413, OperationOutcome.IssueType.TooCostly, message);
    public static FhirOutcomeException UnsupportedMediaType(string message) =>
        Single(415, OperationOutcome.IssueType.NotSupported, message);
    public static FhirOutcomeException Unprocessable(string message, string? expression = null) =>
        Single(422, OperationOutcome.IssueType.Processing, message, expression);

    public static FhirOutcomeException Single(int status, OperationOutcome.IssueType type, string message, string? expression = null) =>
        new(status, Outcomes.Error(type, message, expression));

    private static string Describe(OperationOutcome outcome) =>
        string.Join("; ", outcome.Issue.Select(i => i.Diagnostics ?? i.Code?.ToString()));
}
