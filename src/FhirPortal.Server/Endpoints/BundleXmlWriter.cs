using System.Text;
using System.Xml;
using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// The XML twin of <see cref="BundleJsonWriter"/> for a Bundle written while its entries arrive: each part is the
/// SDK's XML of that part of the Bundle POCO (<see cref="BundleMaterializer"/>), so the stream reads as the
/// serializer's output for the whole Bundle while only one entry is in memory.
/// </summary>
internal static class BundleXmlWriter
{
    public static XmlWriter Create(Stream body) =>
        XmlWriter.Create(body, new XmlWriterSettings { Async = true, Encoding = new UTF8Encoding(false) });

    /// <summary>The Bundle element and what precedes the entries: id, meta, type, total and links of <paramref name="bundle"/>.</summary>
    public static async Task WriteHeadAsync(XmlWriter w, BundleResult bundle)
    {
        await w.WriteStartElementAsync(null, "Bundle", "http://hl7.org/fhir");
        await CopyChildrenAsync(w, BundleMaterializer.Head(bundle));
    }

    public static Task WriteEntryAsync(XmlWriter w, BundleEntryResult entry, string baseUrl) =>
        CopyChildrenAsync(w, new Bundle { Entry = [BundleMaterializer.Entry(entry, baseUrl)] });

    public static Task WriteEndAsync(XmlWriter w) => w.WriteEndElementAsync();

    // The SDK serializes whole resources only: the part is serialized as a Bundle and its child elements copied.
    private static async Task CopyChildrenAsync(XmlWriter w, Bundle part)
    {
        using var reader = XmlReader.Create(new MemoryStream(FhirSerializer.ToXmlBytes(part)));
        reader.MoveToContent();
        if (reader.IsEmptyElement) return;
        reader.Read();
        while (reader.NodeType == XmlNodeType.Element) await w.WriteNodeAsync(reader, defattr: false);
    }
}
