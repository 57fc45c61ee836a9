using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// Raw attachment upload and download (https://hl7.org/fhir/R4/binary.html#rest): <c>POST Binary</c> with the bytes
/// stores them in <see cref="AttachmentFiles"/> and a Binary row with the metadata (content type, security context,
/// the file's hash and size as extensions on its meta); a read returns the bytes of such a Binary, or the inline <c>data</c> of
/// one created as a FHIR resource. Reads pass the ordinary read access check (the Binary's security context).
/// </summary>
public sealed class BinaryAttachments(AttachmentFiles files, MessagingOptions options, CreateInteraction create, ReadInteraction read, CallerContext callers, IResourceStore store)
{
    /// <summary>sha256 (hex) of the bytes in the attachment store.</summary>
    public const string ContentHashUrl = "http://fhirportal.org/fhir/StructureDefinition/binary-content-sha256";

    /// <summary>Size of the stored bytes.</summary>
    public const string SizeUrl = "http://fhirportal.org/fhir/StructureDefinition/binary-size";

    /// <summary>The media types a message may carry (HEIC: iPhone photos).</summary>
    public static readonly IReadOnlyList<string> AllowedTypes = ["application/pdf", "image/jpeg", "image/png", "image/heic", "text/plain"];

    /// <summary>
    /// Stores the bytes, then the Binary (<paramref name="securityContext"/>: the X-Security-Context header; a patient's
    /// upload defaults to the patient, until a message names it and becomes its context).
    /// </summary>
    public async Task<InteractionResult> UploadAsync(string contentType, Stream body, long? declaredLength, string? securityContext, CancellationToken ct)
    {
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (!AllowedTypes.Contains(mediaType))
            throw FhirOutcomeException.UnsupportedMediaType($"Attachments may be {string.Join(", ", AllowedTypes)}; not '{mediaType}'.");
        if (declaredLength > options.MaxAttachmentBytes) throw AttachmentFiles.TooLarge(options.MaxAttachmentBytes);
        var access = callers.Current;
        access.Require("Binary", Permissions.Create);
        var context = securityContext ?? (MessageAuthor.Of(access) is { IsPatient: true } author ? author.Reference : null);
        // Note: a Binary without a context would be readable by every staff caller and attachable by anyone.
        if (context is null)
            throw FhirOutcomeException.BadRequest("A raw upload by staff or a system names who may read it: send the X-Security-Context header (e.g. Patient/123 or Communication/456).");
        if (securityContext is not null) await RequireReadableAsync(access, securityContext, ct);

        var (hash, length) = await files.SaveAsync(body, options.MaxAttachmentBytes, ct);
        var binary = new Binary
        {
            ContentType = mediaType == "text/plain" ? contentType.Trim() : mediaType,
            SecurityContext = context is null ? null : new ResourceReference(context),
        };
        // Binary has no extensions of its own (it is not a DomainResource); its meta carries them.
        binary.Meta = new Meta();
        binary.Meta.SetExtension(ContentHashUrl, new FhirString(hash));
        binary.Meta.SetExtension(SizeUrl, new Integer((int)length));
        return await create.CreateAsync("Binary", binary, null, ct);
    }

    /// <summary>The Binary (access checked) and its bytes: the stored file, or the inline data.</summary>
    public async Task<(Binary Binary, Stream Content, long Length)> OpenAsync(string id, CancellationToken ct)
    {
        var stored = await read.ReadAsync(new ResourceKey("Binary", id), ct);
        var binary = (Binary)FhirParser.ParseStored(stored.Json.Span);
        if (binary.Meta?.GetExtension(ContentHashUrl)?.Value is FhirString { Value: { } hash })
            return files.OpenRead(hash) is { } file
                ? (binary, file, file.Length)
                : throw FhirOutcomeException.NotFound($"The content of Binary/{id} is missing from the attachment store.");
        var data = binary.Data ?? [];
        return (binary, new MemoryStream(data, writable: false), data.Length);
    }

    private async System.Threading.Tasks.Task RequireReadableAsync(CallerAccess access, string reference, CancellationToken ct)
    {
        var key = MessageReferences.Local(reference) is [var type, var id] ? new ResourceKey(type, id) : (ResourceKey?)null;
        var context = key is { } k ? await store.ReadAsync(k, ct) : null;
        if (context is not { IsDeleted: false } || !await access.MayReadAsync(context, Permissions.Read, ct))
            throw FhirOutcomeException.Forbidden($"X-Security-Context {reference} is not a resource this caller may read.");
    }
}
