using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Messaging;

/// <summary>Secure-messaging settings (<c>FhirPortal:Messaging</c>): attachment size limit, staff response target.</summary>
public sealed class MessagingOptions
{
    public const string Section = "FhirPortal:Messaging";

    /// <summary>Largest attachment (<c>POST /fhir/Binary</c> with raw bytes) accepted; larger is 413.</summary>
    [Range(1, int.MaxValue)]
    public long MaxAttachmentBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Folder of the attachment files; the host sets <c>{DataDirectory}/binaries</c> when unset.</summary>
    public string? AttachmentDirectory { get; set; }

    /// <summary>Business days staff have to answer a patient's message (the inbox Task's due date).</summary>
    [Range(0, 60)]
    public int ResponseBusinessDays { get; set; } = 1;
}
