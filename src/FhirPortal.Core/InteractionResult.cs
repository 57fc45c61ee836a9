using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>The outcome of one interaction: status, the resource version it produced or found, and any outcome message.</summary>
public sealed record InteractionResult(int Status, StoredResource? Resource, OperationOutcome? Outcome = null);
