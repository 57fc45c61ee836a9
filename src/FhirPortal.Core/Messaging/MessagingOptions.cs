using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Messaging;

/// <summary>Secure-messaging settings (<c>FhirPortal:Messaging</c>): attachment size limit, staff response target.</summary>
public sealed class MessagingOptions
{
    public const string Section = "FhirPortal:Messaging";

    /// <summary>Largest attachment (<c>POST /fhir/Binary</c> with raw bytes) accepted; larger is 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxAttachmentBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Business days staff have to answer a patient's message (the inbox Task's due date).</summary>
    [Range(0, 60)]
    public int ResponseBusinessDays { get; set; } = 1;
}
