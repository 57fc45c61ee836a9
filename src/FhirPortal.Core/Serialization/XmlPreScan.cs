using System.Xml;

namespace FhirPortal.Core.Serialization;

/// <summary>
/// Safe XML reading: no DTDs, no external entities, a nesting limit checked before the SDK recurses, no abstract types;
/// and the decimals whose text System.Decimal does not reproduce, so it can be kept.
/// </summary>
internal static partial class XmlPreScan
{
    private const string FhirNamespace = "http://hl7.org/fhir";

    public static XmlReader CreateSafeReader(byte[] xml) => XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    });

    /// <summary>Checks a request body; returns the decimals System.Decimal cannot reproduce (<see cref="ExactDecimals"/>).</summary>
    public static IReadOnlyList<JsonNumber> Check(byte[] xml, int maxDepth)
    {
        var numbers = new List<JsonNumber>();
        // Each open element: its name, its index among same-named siblings, and how many of each name it holds so far.
        var open = new List<(string Name, int Index, Dictionary<string, int> Children)>();
        try
        {
            using var reader = CreateSafeReader(xml);
            while (reader.Read())
            {
                if (reader.Depth > maxDepth)
                    throw FhirOutcomeException.BadRequest($"The XML body nests deeper than the allowed {maxDepth} levels.");
                if (reader.NodeType == XmlNodeType.EndElement) open.RemoveAt(open.Count - 1);
                if (reader.NodeType != XmlNodeType.Element) continue;
                // The SDK throws on <DomainResource> and <Resource>; XmlReader itself refuses control characters.
                if (reader.NamespaceURI == FhirNamespace && ResourceTypeNames.IsAbstract(reader.LocalName))
                    throw ResourceTypeNames.AbstractType(reader.LocalName, $"line {((IXmlLineInfo)reader).LineNumber}");
                var siblings = open.Count > 0 ? open[^1].Children : [];
                var index = siblings[reader.LocalName] = siblings.GetValueOrDefault(reader.LocalName) + 1;
                open.Add((reader.LocalName, index - 1, []));
                if (reader.GetAttribute("value") is { } value && LooksLikeDecimal(value)
                    && !ExactDecimals.Reproduces(System.Text.Encoding.ASCII.GetBytes(value)))
                    numbers.Add(new JsonNumber(value, Segments(open)));
                if (reader.IsEmptyElement) open.RemoveAt(open.Count - 1);
            }
        }
        catch (XmlException e)
        {
            throw FhirOutcomeException.BadRequest($"The XML body is not well-formed or uses a DTD: {e.Message}");
        }
        return numbers;
    }

    // Below the root element, each element as its name and index (ExactDecimals skips resource-type wrappers).
    private static List<object> Segments(List<(string Name, int Index, Dictionary<string, int> Children)> open) =>
        [.. open.Skip(1).SelectMany(e => new object[] { e.Name, e.Index })];

    // R4 decimal syntax; anything else is left to the SDK's own checks.
    private static bool LooksLikeDecimal(string value) =>
        value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] == '-') && DecimalSyntax().IsMatch(value);

    [System.Text.RegularExpressions.GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex DecimalSyntax();
}
