using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Snapshot;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Refuses (422) a constraining StructureDefinition that cannot be used (Firely's validator checks instances, not
/// profiles): its base must be known, and the SDK's SnapshotGenerator must expand its differential on that base
/// (every path, type and slice must exist). Runs on every write of a StructureDefinition, profiles/ included.
/// </summary>
public sealed class ProfileCheck(ConformanceResources resources)
{
    public void EnsureUsable(StructureDefinition profile)
    {
        if (profile.Derivation != StructureDefinition.TypeDerivationRule.Constraint) return;
        var location = "StructureDefinition.baseDefinition";
        if (profile.BaseDefinition is not { } baseUrl || (!ConformanceResources.IsCoreUrl(baseUrl) && resources.StructureDefinition(baseUrl) is null))
            throw FhirOutcomeException.Unprocessable($"The base definition '{profile.BaseDefinition}' of {profile.Url} is not known to this server.", location);
        var copy = (StructureDefinition)profile.DeepCopy();
        var generator = new SnapshotGenerator(resources, new SnapshotGeneratorSettings { GenerateElementIds = true });
#pragma warning disable CS0618 // the write path is synchronous and the resolver is in memory, so the sync Update is right here
        generator.Update(copy);
#pragma warning restore CS0618
        var errors = (generator.Outcome?.Issue ?? [])
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => i.Details?.Text ?? i.Diagnostics).ToList();
        // The generator passes over differential elements it cannot place; each must exist in the snapshot.
        // It also copies such an element into the snapshot, bare: a real element always has a type or a contentReference.
        var snapshot = copy.Snapshot?.Element.Where(e => e.ElementId is not null).GroupBy(e => e.ElementId!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal) ?? [];
        var ids = snapshot.Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var element in profile.Differential?.Element ?? [])
        {
            if (element.ElementId is not { } id || !id.Contains('.')) continue;
            if (Place(id, ids) is not { } placed || snapshot[placed] is { Type.Count: 0, ContentReference: null })
                errors.Add($"differential element '{id}' is not an element of {profile.Type}.");
        }
        if (errors.Count == 0) return;
        var outcome = new OperationOutcome();
        foreach (var error in errors)
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = OperationOutcome.IssueType.Invalid,
                Diagnostics = OutcomeText.Bound($"{profile.Url}: {error}"),
                Expression = ["StructureDefinition.differential"],
            });
        throw new FhirOutcomeException(422, outcome);
    }

    /// <summary>The snapshot id of a differential id, reading a typed choice (valueQuantity) as value[x]:valueQuantity.</summary>
    private static string? Place(string id, HashSet<string> ids)
    {
        var segments = id.Split('.');
        var current = segments[0];
        foreach (var segment in segments.Skip(1))
        {
            var next = $"{current}.{segment}";
            if (!ids.Contains(next))
            {
                var choice = ids.FirstOrDefault(i => i.StartsWith(current + ".", StringComparison.Ordinal) && i.EndsWith("[x]", StringComparison.Ordinal)
                    && i.IndexOf('.', current.Length + 1) < 0 && segment.StartsWith(i[(current.Length + 1)..^3], StringComparison.Ordinal));
                next = choice is null ? "" : $"{choice}:{segment}";
                if (!ids.Contains(next)) return null;
            }
            current = next;
        }
        return current;
    }
}
