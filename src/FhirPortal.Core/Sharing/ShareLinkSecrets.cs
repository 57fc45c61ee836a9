using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace FhirPortal.Core.Sharing;

/// <summary>
/// The cryptography of SMART Health Links: random ids and keys (256 bits), hashes of what is stored, passcode
/// hashing (PBKDF2), and files as compact JWE with <c>alg</c> dir and <c>enc</c> A256GCM.
/// </summary>
public static class ShareLinkSecrets
{
    private const int PasscodeIterations = 100_000;

    /// <summary>256 random bits as base64url (43 characters), as SHL asks of the manifest URL and the key.</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    /// <summary>The stored form of a bearer token (manifest id, file ticket): lowercase hex SHA-256.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string HashPasscode(string passcode)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(passcode, salt, PasscodeIterations, HashAlgorithmName.SHA256, 32);
        return $"{Base64Url.EncodeToString(salt)}.{Base64Url.EncodeToString(hash)}";
    }

    public static bool PasscodeMatches(string stored, string passcode)
    {
        var parts = stored.Split('.');
        var expected = Base64Url.DecodeFromChars(parts[1]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(passcode, Base64Url.DecodeFromChars(parts[0]), PasscodeIterations, HashAlgorithmName.SHA256, 32);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>A compact JWE (RFC 7516) of <paramref name="content"/>: direct key, AES-256-GCM, the header as AAD.</summary>
    public static string Encrypt(byte[] key, byte[] content, string contentType)
    {
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"cty\":\"{contentType}\"}}"));
        var iv = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[content.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(key, tag.Length);
        aes.Encrypt(iv, content, cipher, tag, Encoding.ASCII.GetBytes(header));
        return $"{header}..{Base64Url.EncodeToString(iv)}.{Base64Url.EncodeToString(cipher)}.{Base64Url.EncodeToString(tag)}";
    }
}
