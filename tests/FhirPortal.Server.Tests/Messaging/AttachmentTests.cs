using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Messaging;

/// <summary>
/// Attachments: <c>POST Binary</c> with raw bytes (type and size checked), stored as a file beside the database with
/// a metadata-only Binary row, read back as bytes or as the FHIR resource, and readable only by those who may read
/// the message that names it (its security context).
/// </summary>
public sealed class AttachmentTests : IDisposable
{
    private readonly MessagingData _data = new(new Dictionary<string, string?> { ["FhirPortal:Messaging:MaxAttachmentBytes"] = "100000" });

    public void Dispose() => _data.Dispose();

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private static HttpRequestMessage Download(string id, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"Binary/{id}");
        request.Headers.Accept.Clear();
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    /// <summary>Uploads as p1, then sends p1's message to dr1 with the attachment; returns the Binary id.</summary>
    private async Task<string> AttachedAsync(byte[] bytes, string contentType = "application/pdf")
    {
        var patient = _data.PatientApp("p1");
        var binary = await MessagingData.CreatedAsync(await patient.PostAsync("Binary", Raw(bytes, contentType)));
        var message = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1");
        message["payload"]!.AsArray().Add(new JsonObject { ["contentAttachment"] = new JsonObject { ["contentType"] = contentType, ["url"] = $"Binary/{binary["id"]}" } });
        await MessagingData.CreatedAsync(await patient.PostAsync("Communication", Fhir.Body(message)));
        return (string)binary["id"]!;
    }

    [Theory]
    [InlineData("application/pdf", HttpStatusCode.Created)]
    [InlineData("image/jpeg", HttpStatusCode.Created)]
    [InlineData("image/png", HttpStatusCode.Created)]
    [InlineData("image/heic", HttpStatusCode.Created)]
    [InlineData("text/plain; charset=utf-8", HttpStatusCode.Created)]
    [InlineData("application/zip", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("image/gif", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/octet-stream", HttpStatusCode.UnsupportedMediaType)]
    public async Task Only_document_and_image_types_are_accepted(string contentType, HttpStatusCode expected)
    {
        var response = await _data.PatientApp("p1").PostAsync("Binary", Raw([1, 2, 3], contentType));

        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.Created) Assert.Contains("Attachments may be", await MessagingData.DiagnosticsAsync(response));
    }

    [Theory]
    [InlineData(100000, true, HttpStatusCode.Created)]
    [InlineData(100001, true, HttpStatusCode.RequestEntityTooLarge)]
    [InlineData(100001, false, HttpStatusCode.RequestEntityTooLarge)]
    public async Task Attachments_above_the_size_limit_are_413_and_leave_no_file(int size, bool withLength, HttpStatusCode expected)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        HttpContent content = withLength ? Raw(bytes, "application/pdf") : new StreamContent(new UnknownLengthStream(bytes));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/pdf");

        var response = await _data.PatientApp("p1").PostAsync("Binary", content);

        Assert.Equal(expected, response.StatusCode);
        var files = Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*", SearchOption.AllDirectories) : [];
        if (expected == HttpStatusCode.Created) Assert.Single(files);
        else
        {
            Assert.Contains("FhirPortal:Messaging:MaxAttachmentBytes", await MessagingData.DiagnosticsAsync(response));
            Assert.Empty(files);
        }
    }

    [Fact]
    public async Task The_bytes_round_trip_and_the_row_holds_only_metadata()
    {
        await _data.SeedAsync();
        var bytes = RandomNumberGenerator.GetBytes(70000);
        var id = await AttachedAsync(bytes);

        var raw = await _data.PatientApp("p1").SendAsync(Download(id, "application/pdf"));
        var resource = await (await _data.PatientApp("p1").SendAsync(Download(id, "application/fhir+json"))).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal("application/pdf", raw.Content.Headers.ContentType!.MediaType);
        Assert.Equal(bytes, await raw.Content.ReadAsByteArrayAsync());
        Assert.Equal("Binary", (string?)resource["resourceType"]);
        Assert.Null(resource["data"]);
        Assert.StartsWith("Communication/", (string?)resource["securityContext"]!["reference"]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(Folder, hash[..2], hash)));
    }

    [Fact]
    public async Task Only_those_who_may_read_the_message_may_read_its_attachment()
    {
        await _data.SeedAsync();
        var id = await AttachedAsync([9, 8, 7]);

        var otherPatient = await _data.PatientApp("p2").SendAsync(Download(id, "application/pdf"));
        var otherPatientFhir = await _data.PatientApp("p2").GetAsync($"Binary/{id}");
        var practitioner = await _data.PractitionerUser("dr1").SendAsync(Download(id, "application/pdf"));
        var search = await _data.PatientApp("p2").GetAsync("Binary");

        Assert.Equal(HttpStatusCode.Forbidden, otherPatient.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await otherPatient.ReadJsonAsync())["resourceType"]);
        Assert.Equal(HttpStatusCode.Forbidden, otherPatientFhir.StatusCode);
        Assert.Equal(HttpStatusCode.OK, practitioner.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, search.StatusCode);
    }

    [Fact]
    public async Task An_orphan_file_from_a_crash_is_harmless_and_reused()
    {
        await _data.SeedAsync();
        var bytes = RandomNumberGenerator.GetBytes(5000);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        // A crash after the file was written and before its Binary row committed leaves exactly this behind.
        Directory.CreateDirectory(Path.Combine(Folder, hash[..2]));
        await File.WriteAllBytesAsync(Path.Combine(Folder, hash[..2], hash), bytes);

        var id = await AttachedAsync(bytes);

        Assert.Equal(bytes, await (await _data.PatientApp("p1").SendAsync(Download(id, "application/pdf"))).Content.ReadAsByteArrayAsync());
        Assert.Single(Directory.GetFiles(Folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_Binary_created_as_a_FHIR_resource_works_as_before()
    {
        var binary = new JsonObject { ["resourceType"] = "Binary", ["contentType"] = "text/plain", ["data"] = Convert.ToBase64String("hello"u8.ToArray()) };

        var created = await MessagingData.CreatedAsync(await _data.Staff.PostAsync("Binary", Fhir.Body(binary)));
        var resource = await (await _data.Staff.GetAsync($"Binary/{created["id"]}")).ReadJsonAsync();
        var raw = await _data.Staff.SendAsync(Download((string)created["id"]!, "text/plain"));

        Assert.Equal(Convert.ToBase64String("hello"u8.ToArray()), (string?)resource["data"]);
        var text = await raw.Content.ReadAsStringAsync();
        Assert.True(raw.StatusCode == HttpStatusCode.OK, $"{(int)raw.StatusCode}: {text}");
        Assert.Equal("hello", text);
    }

    [Fact]
    public async Task A_staff_raw_upload_needs_a_security_context()
    {
        await _data.SeedAsync();
        var without = await _data.Staff.PostAsync("Binary", Raw([1, 2, 3], "application/pdf"));
        var with = new HttpRequestMessage(HttpMethod.Post, "Binary") { Content = Raw([1, 2, 3], "application/pdf") };
        with.Headers.Add("X-Security-Context", "CareTeam/team-p1");

        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await without.ReadJsonAsync())["resourceType"]);
        Assert.Equal(HttpStatusCode.Created, (await _data.Staff.SendAsync(with)).StatusCode);
    }

    [Fact]
    public async Task A_patient_can_neither_read_nor_attach_a_Binary_without_security_context()
    {
        await _data.SeedAsync();
        var binary = new JsonObject { ["resourceType"] = "Binary", ["contentType"] = "application/pdf", ["data"] = Convert.ToBase64String([1, 2, 3]) };
        var id = (string)(await MessagingData.CreatedAsync(await _data.Staff.PostAsync("Binary", Fhir.Body(binary))))["id"]!;
        var message = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1");
        message["payload"]!.AsArray().Add(new JsonObject { ["contentAttachment"] = new JsonObject { ["contentType"] = "application/pdf", ["url"] = $"Binary/{id}" } });

        var read = await _data.PatientApp("p1").GetAsync($"Binary/{id}");
        var attach = await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(message));

        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, attach.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _data.Staff.GetAsync($"Binary/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("text/html", "application/octet-stream")]
    [InlineData("application/pdf", "application/pdf")]
    public async Task A_download_is_never_rendered_inline_and_only_upload_types_keep_their_type(string stored, string served)
    {
        var binary = new JsonObject { ["resourceType"] = "Binary", ["contentType"] = stored, ["data"] = Convert.ToBase64String("<script>1</script>"u8.ToArray()) };
        var id = (string)(await MessagingData.CreatedAsync(await _data.Staff.PostAsync("Binary", Fhir.Body(binary))))["id"]!;

        var raw = await _data.Staff.SendAsync(Download(id, stored));

        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal(served, raw.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", raw.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("attachment", raw.Content.Headers.ContentDisposition?.DispositionType);
    }

    [Theory]
    [InlineData("gzip", HttpStatusCode.BadRequest)]
    [InlineData("compress", HttpStatusCode.UnsupportedMediaType)]
    public async Task A_raw_upload_with_a_corrupt_or_unsupported_encoding_is_refused(string encoding, HttpStatusCode expected)
    {
        var content = Raw([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "application/pdf");
        content.Headers.ContentEncoding.Add(encoding);

        var response = await _data.PatientApp("p1").PostAsync("Binary", content);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
        Assert.Equal(HttpStatusCode.OK, (await _data.Staff.GetAsync("metadata")).StatusCode);
    }

    private string Folder => Path.Combine(_data.Host.DataDirectory, "binaries");

    /// <summary>A body sent chunked (no Content-Length), so only counting while streaming can enforce the limit.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
