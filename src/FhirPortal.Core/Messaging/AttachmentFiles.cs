using System.Security.Cryptography;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// Attachment bytes in files beside the database (<c>{DataDirectory}/binaries</c>), content-addressed by SHA-256
/// (<c>ab/abcdef…</c>), so the Binary row holds only metadata. A file is written to a temporary name and moved into
/// place before its Binary row commits: a crash in between leaves an orphan file (harmless; the same bytes reuse it),
/// never a row without its bytes.
/// </summary>
public sealed class AttachmentFiles(MessagingOptions options)
{
    private readonly string _root = options.AttachmentDirectory ?? throw new InvalidOperationException("FhirPortal:Messaging:AttachmentDirectory is not set.");

    /// <summary>Copies <paramref name="body"/> into the store (413 past <paramref name="maxBytes"/>); returns its hash and length.</summary>
    public async Task<(string Hash, long Length)> SaveAsync(Stream body, long maxBytes, CancellationToken ct)
    {
        Directory.CreateDirectory(_root);
        var temp = Path.Combine(_root, $".upload-{Guid.NewGuid():N}");
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, ct)) > 0)
                {
                    length += read;
                    if (length > maxBytes) throw TooLarge(maxBytes);
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }
            var hash = Convert.ToHexStringLower(sha.GetHashAndReset());
            var target = PathOf(hash);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // Same bytes, same file: an existing one (an earlier upload or an orphan) is kept.
            if (!File.Exists(target)) File.Move(temp, target, overwrite: true);
            return (hash, length);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The stored bytes of <paramref name="hash"/>, streamed; null when the file is missing.</summary>
    public Stream? OpenRead(string hash) =>
        hash.Length == 64 && hash.All(char.IsAsciiHexDigitLower) && File.Exists(PathOf(hash))
            ? new FileStream(PathOf(hash), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true)
            : null;

    /// <summary>Where the bytes of <paramref name="hash"/> live.</summary>
    public string PathOf(string hash) => Path.Combine(_root, hash[..2], hash);

    public static FhirOutcomeException TooLarge(long maxBytes) =>
        FhirOutcomeException.TooLarge($"An attachment may be at most {maxBytes} bytes (FhirPortal:Messaging:MaxAttachmentBytes).");
}
