using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// Secure messages of the signed-in patient: Communications (profile portal-communication) grouped into threads by
/// <c>partOf</c>, sent to members of the patient's CareTeams, with attachments uploaded first as raw Binaries.
/// The server owns the rules (care team only, sent time, threads), so its refusals come back as OperationOutcomes.
/// </summary>
public sealed class Messaging(PatientRecord record, IOptions<PortalOptions> options)
{
    public const string Profile = "http://fhirportal.org/fhir/StructureDefinition/portal-communication";
    public const string CategorySystem = "http://fhirportal.org/fhir/CodeSystem/portal-message-category";

    /// <summary>The file types the server takes (it answers 415 for others); the page's file picker offers these.</summary>
    public static readonly string[] AttachmentTypes = ["application/pdf", "image/jpeg", "image/png", "image/heic", "text/plain"];

    /// <summary>All threads of the patient, newest activity first.</summary>
    public async Task<List<MessageThread>> ThreadsAsync()
    {
        var messages = await record.SearchAsync<Communication>($"subject={record.PatientReference}", "_sort=-sent", "_count=200");
        return messages
            .Where(m => m.Status is EventStatus.Completed or EventStatus.InProgress)
            .GroupBy(m => ThreadId(m))
            .Select(g => new MessageThread(g.Key, [.. g.OrderBy(m => m.Sent, StringComparer.Ordinal)], record.PatientReference))
            .OrderByDescending(t => t.LastSent, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<MessageThread?> ThreadAsync(string id) => (await ThreadsAsync()).FirstOrDefault(t => t.Id == id);

    /// <summary>The thread of a message: the first message it is part of (the server sets partOf on replies), or itself.</summary>
    private static string ThreadId(Communication message) =>
        message.PartOf.Select(p => p.Reference).FirstOrDefault(r => r?.StartsWith("Communication/", StringComparison.Ordinal) == true)?["Communication/".Length..]
        ?? message.Id ?? "";

    /// <summary>Who the patient may write to: the members of their active CareTeams who are not patients, reference → name.</summary>
    public async Task<Dictionary<string, string>> CareTeamAsync()
    {
        var bundle = await (await record.ClientAsync()).SearchAsync<CareTeam>(
            [$"subject={record.PatientReference}", "status=active", "_include=CareTeam:participant", "_count=50"]);
        var resources = bundle?.Entry.Select(e => e.Resource).ToList() ?? [];
        var names = resources.OfType<Practitioner>().ToDictionary(p => "Practitioner/" + p.Id, p => Display.Name(p.Name));
        var members = new Dictionary<string, string>();
        foreach (var team in resources.OfType<CareTeam>())
            foreach (var participant in team.Participant)
            {
                var reference = participant.Member?.Reference;
                if (reference is null || reference.StartsWith("Patient/", StringComparison.Ordinal) || reference.StartsWith("RelatedPerson/", StringComparison.Ordinal)) continue;
                var name = participant.Member!.Display ?? names.GetValueOrDefault(reference) ?? reference;
                var role = Display.Text(participant.Role.FirstOrDefault());
                members.TryAdd(reference, role.Length > 0 ? $"{name} ({role})" : name);
            }
        return members;
    }

    /// <summary>
    /// The names of the practitioners (directly or through a PractitionerRole) who wrote or received the messages,
    /// reference → name, so a thread shows "Dr. Rosa Schmidt" rather than a reference.
    /// </summary>
    public async Task<Dictionary<string, string>> NamesAsync(IEnumerable<Communication> messages)
    {
        var references = messages.SelectMany(m => m.Recipient.Append(m.Sender)).Select(r => r?.Reference).OfType<string>().Distinct().ToList();
        string[] Ids(string type) => [.. references.Where(r => r.StartsWith(type + "/", StringComparison.Ordinal)).Select(r => r[(type.Length + 1)..])];
        var names = new Dictionary<string, string>();
        var client = await record.ClientAsync();
        if (Ids("PractitionerRole") is { Length: > 0 } roles)
        {
            var bundle = await client.SearchAsync<PractitionerRole>([$"_id={string.Join(',', roles)}", "_include=PractitionerRole:practitioner", "_count=100"]);
            var resources = bundle?.Entry.Select(e => e.Resource).ToList() ?? [];
            var people = resources.OfType<Practitioner>().ToDictionary(p => "Practitioner/" + p.Id, p => Display.Name(p.Name));
            foreach (var role in resources.OfType<PractitionerRole>())
                if (role.Practitioner?.Reference is { } who && people.TryGetValue(who, out var name)) names["PractitionerRole/" + role.Id] = name;
        }
        if (Ids("Practitioner") is { Length: > 0 } practitioners)
            foreach (var p in await record.SearchAsync<Practitioner>($"_id={string.Join(',', practitioners)}", "_count=100"))
                names["Practitioner/" + p.Id] = Display.Name(p.Name);
        return names;
    }

    /// <summary>Sends a message (a new thread, or a reply when <paramref name="inResponseTo"/> is set); the attachment is uploaded first.</summary>
    public async Task<Communication> SendAsync(IReadOnlyList<string> recipients, string? topic, string text, IFormFile? file, Communication? inResponseTo)
    {
        var message = new Communication
        {
            Meta = new Meta { Profile = [Profile] },
            Status = EventStatus.Completed,
            Category = [new CodeableConcept(CategorySystem, "general")],
            Subject = new ResourceReference(record.PatientReference),
            Sender = new ResourceReference(record.PatientReference),
            Recipient = [.. recipients.Select(r => new ResourceReference(r))],
            Topic = string.IsNullOrWhiteSpace(topic) ? null : new CodeableConcept { Text = topic.Trim() },
            Payload = [new Communication.PayloadComponent { Content = new FhirString(text.Trim()) }],
        };
        if (inResponseTo is not null)
        {
            message.InResponseTo = [new ResourceReference("Communication/" + inResponseTo.Id)];
            message.PartOf = [new ResourceReference("Communication/" + ThreadId(inResponseTo))];
            message.Topic = inResponseTo.Topic;
        }
        if (file is { Length: > 0 })
        {
            var binary = await UploadAsync(file);
            // Note: no Attachment.size: the SDK's shared Attachment writes it as an integer64 string, which R4 (unsignedInt) refuses.
            message.Payload.Add(new Communication.PayloadComponent
            {
                Content = new Attachment { ContentType = file.ContentType, Url = "Binary/" + binary, Title = Path.GetFileName(file.FileName) },
            });
        }
        return (await (await record.ClientAsync()).CreateAsync(message))!;
    }

    /// <summary>Marks a message to the patient read (<c>$mark-read</c>; the server sets <c>received</c> once).</summary>
    public async System.Threading.Tasks.Task MarkReadAsync(string id) =>
        await (await record.ClientAsync()).InstanceOperationAsync(new Uri("Communication/" + id, UriKind.Relative), "mark-read");

    /// <summary>
    /// Uploads the file's bytes as they are (<c>POST Binary</c> with its Content-Type, streamed); the server checks type
    /// and size and its security context becomes the patient, then the message that names it.
    /// </summary>
    private async Task<string> UploadAsync(IFormFile file)
    {
        var http = await record.AuthorizedHttpClientAsync();
        await using var stream = file.OpenReadStream();
        using var content = new StreamContent(stream);
        content.Headers.ContentType = MediaTypeHeaderValue.TryParse(file.ContentType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = file.Length;
        using var response = await http.PostAsync(options.Value.FhirBaseUrl.TrimEnd('/') + "/Binary", content);
        if (!response.IsSuccessStatusCode)
            throw new AttachmentRefusedException((int)response.StatusCode, ServerProblem.TextOf(await response.Content.ReadAsStringAsync(), (int)response.StatusCode));
        var location = response.Headers.Location?.ToString() ?? throw new InvalidOperationException("The server stored the attachment but gave no Location.");
        var parts = location.Split('/');
        var index = Array.LastIndexOf(parts, "Binary");
        return index >= 0 && index + 1 < parts.Length ? parts[index + 1] : throw new InvalidOperationException("Unexpected Location " + location);
    }

    /// <summary>An attachment's bytes from the server (<c>GET Binary/{id}</c> with its media type as Accept), to stream to the browser.</summary>
    public async Task<HttpResponseMessage> DownloadAsync(string binaryId, string contentType)
    {
        var http = await record.AuthorizedHttpClientAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, options.Value.FhirBaseUrl.TrimEnd('/') + "/Binary/" + Uri.EscapeDataString(binaryId));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.TryParse(contentType, out var accept) ? accept : new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}

/// <summary>A conversation: its first message and the replies, oldest first.</summary>
public sealed class MessageThread(string id, List<Communication> messages, string patient)
{
    public string Id { get; } = id;
    public List<Communication> Messages { get; } = messages;
    public Communication First => Messages.FirstOrDefault(m => m.Id == Id) ?? Messages[0];
    public Communication Latest => Messages[^1];
    public string? LastSent => Latest.Sent;

    public string Topic => First.Topic?.Text ?? Display.Text(First.Category.FirstOrDefault()) switch { "" => "Message", var c => c };

    /// <summary>Messages to the patient not yet read (no <c>received</c>).</summary>
    public IEnumerable<Communication> Unread => Messages.Where(m => m.Received is null && IsToPatient(m));

    public bool IsToPatient(Communication message) => message.Recipient.Any(r => r.Reference == patient);

    public bool IsFromPatient(Communication message) => message.Sender?.Reference == patient;

    /// <summary>Whom a reply goes to: the care-team members in the thread (the last sender who is not the patient, else the first recipients).</summary>
    public List<string> ReplyRecipients()
    {
        var staff = Messages.LastOrDefault(m => !IsFromPatient(m) && m.Sender?.Reference is not null)?.Sender!.Reference;
        return staff is not null ? [staff] : [.. First.Recipient.Select(r => r.Reference).OfType<string>().Where(r => r != patient)];
    }
}

/// <summary>The server refused an attachment (415 type, 413 size, ...), with its reason.</summary>
public sealed class AttachmentRefusedException(int status, string reason) : Exception(reason)
{
    public int Status { get; } = status;
}
