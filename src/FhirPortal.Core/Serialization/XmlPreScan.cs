using System.Xml;

namespace FhirPortal.Core.Serialization;

/// <summary>Safe XML reading: no DTDs, no external entities, a nesting limit checked before the SDK recurses, no abstract types.</summary>
internal static class XmlPreScan
{
    private const string FhirNamespace = "http://hl7.org/fhir";

    public static XmlReader CreateSafeReader(byte[] xml) => XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    });

    public static void Check(byte[] xml, int maxDepth)
    {
        try
        {
            using var reader = CreateSafeReader(xml);
            while (reader.Read())
            {
                if (reader.Depth > maxDepth)
                    throw FhirOutcomeException.BadRequest($"The XML body nests deeper than the allowed {maxDepth} levels.");
                // The SDK throws on <DomainResource> and <Resource>; XmlReader itself refuses control characters.
                if (reader.NodeType == XmlNodeType.Element && reader.NamespaceURI == FhirNamespace && ResourceTypeNames.IsAbstract(reader.LocalName))
                    throw ResourceTypeNames.AbstractType(reader.LocalName, $"line {((IXmlLineInfo)reader).LineNumber}");
            }
        }
        catch (XmlException e)
        {
            throw FhirOutcomeException.BadRequest($"The XML body is not well-formed or uses a DTD: {e.Message}");
        }
    }
}
