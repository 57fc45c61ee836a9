using System.Xml;
using System.Xml.Linq;

namespace FhirPortal.Server.Tests.Fixtures;

/// <summary>Narrative XHTML in one lexical form: parsed as XML (whitespace kept) and written back the same way.</summary>
public static class XhtmlText
{
    public static string Normalise(string div)
    {
        try { return XElement.Parse(div, LoadOptions.PreserveWhitespace).ToString(SaveOptions.DisableFormatting); }
        catch (XmlException) { return div; } // not well-formed: compared as it is
    }
}
