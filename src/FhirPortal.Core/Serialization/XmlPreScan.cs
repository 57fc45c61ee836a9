using System.Xml;

namespace FhirPortal.Core.Serialization;

/// <summary>Safe XML reading: no DTDs, no external entities, and a nesting limit checked before the SDK recurses.</summary>
internal static class XmlPreScan
{
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
            }
        }
        catch (XmlException e)
        {
            throw FhirOutcomeException.BadRequest($"The XML body is not well-formed or uses a DTD: {e.Message}");
        }
    }
}
