using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace FhirPortal.Core.Serialization;

/// <summary>
/// Parses request bodies (FHIR JSON and XML) into POCOs. Every problem found is reported at once, as one
/// OperationOutcome with the element's location, through a 400 <see cref="FhirOutcomeException"/>.
/// </summary>
public sealed class FhirParser(int maxDepth)
{
    private static readonly DeserializerSettings Settings = new DeserializerSettings()
        .UsingMode(DeserializationMode.Strict)
        // Cardinality is an instance-validation concern (profiles and $validate), not a parse error.
        .Ignoring(["PVAL105"]);

    private static readonly BaseFhirJsonDeserializer Json = new(ModelInfo.ModelInspector, Settings);
    private static readonly BaseFhirXmlDeserializer Xml = new(ModelInfo.ModelInspector, Settings);
    private static readonly BaseFhirJsonDeserializer Trusted = new(ModelInfo.ModelInspector,
        new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    public Resource ParseJson(ReadOnlySpan<byte> json) => ParseJson(json, out _);

    /// <param name="clean">
    /// The SDK reported nothing at all, not even an issue this parser lets pass, so the POCO holds exactly what the
    /// JSON holds (a writer may store the JSON itself instead of serialising the POCO again: <see cref="StoredJson"/>).
    /// </param>
    public Resource ParseJson(ReadOnlySpan<byte> json, out bool clean)
    {
        var inexact = JsonPreScan.Check(json, maxDepth);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        Resource? resource;
        IEnumerable<CodedException> issues;
        bool ok;
        try
        {
            ok = Json.TryDeserializeResource(ref reader, out resource, out issues);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or JsonException)
        {
            // The pre-scan refuses what the SDK is known to throw on; this keeps anything it missed a 400.
            throw Unreadable("JSON", e);
        }
        var errors = ParseIssues.Relevant(issues, resource, inexact).ToList();
        if (!ok && errors.Count > 0 || resource is null)
            throw new FhirOutcomeException(400, ParseIssues.ToOutcome(errors, "The JSON body is not a valid FHIR resource."));
        ExactDecimals.Restore(resource, inexact);
        clean = ok && !issues.Any();
        return resource;
    }

    public Resource ParseXml(ReadOnlySpan<byte> xml)
    {
        var bytes = xml.ToArray();
        var inexact = XmlPreScan.Check(bytes, maxDepth);
        using var reader = XmlPreScan.CreateSafeReader(bytes);
        Resource? resource;
        IEnumerable<CodedException> issues;
        bool ok;
        try
        {
            ok = Xml.TryDeserializeResource(reader, out resource, out issues);
        }
        catch (XmlException e)
        {
            throw FhirOutcomeException.BadRequest($"The XML body is not well-formed: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or FormatException)
        {
            throw Unreadable("XML", e);
        }
        var errors = ParseIssues.Relevant(issues, resource, inexact).ToList();
        if (!ok && errors.Count > 0 || resource is null)
            throw new FhirOutcomeException(400, ParseIssues.ToOutcome(errors, "The XML body is not a valid FHIR resource."));
        ExactDecimals.Restore(resource, inexact);
        return resource;
    }

    private static FhirOutcomeException Unreadable(string format, Exception e) =>
        new(400, Outcomes.Error(OperationOutcome.IssueType.Structure, $"The {format} body could not be read as a FHIR resource: {e.Message}"));

    /// <summary>
    /// Counts <see cref="ParseStored"/> calls in one async flow while a test sets it (null: not counted), to prove a
    /// path reads staged versions as <see cref="UnitOfWork.ResourceOf"/> hands them over, without parsing their JSON again.
    /// </summary>
    internal static readonly AsyncLocal<StrongBox<int>?> StoredParses = new();

    /// <summary>Parses JSON the server wrote itself (stored versions); it was validated when it came in.</summary>
    public static Resource ParseStored(ReadOnlySpan<byte> json)
    {
        if (StoredParses.Value is { } parses) parses.Value++;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1024 });
        Trusted.TryDeserializeResource(ref reader, out var resource, out _);
        if (resource is null) throw new InvalidOperationException("A stored resource could not be read back.");
        ExactDecimals.Restore(resource, JsonPreScan.InexactNumbers(json));
        return resource;
    }
}
