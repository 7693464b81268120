using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// The disk key manager's file format: a small JSON envelope around a PKCS#8 private key encrypted
/// with AES-256-GCM.
/// <code>
/// {"format":"identity-issuer-disk-key","version":1,"keyId":"…","keyType":"ec-p256",
///  "nonce":"&lt;12 bytes, base64&gt;","ciphertext":"&lt;base64&gt;","tag":"&lt;16 bytes, base64&gt;"}
/// </code>
/// The associated data binds the format version, the key id and the key type, so a file copied or
/// renamed to another key id, or edited to claim another key type, fails to decrypt.
/// </summary>
internal static class DiskKeyFile
{
    /// <summary>The format name written into every file.</summary>
    public const string FormatName = "identity-issuer-disk-key";

    /// <summary>The envelope version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Files larger than this are rejected unread; an RSA-4096 key file is about 3.5 KiB.</summary>
    public const int MaxFileLength = 64 * 1024;

    /// <summary>The AES-256 key size in bytes.</summary>
    public const int EncryptionKeyLength = 32;

    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int MaxPkcs8Length = 16 * 1024;

    /// <summary>Encrypts <paramref name="pkcs8"/> into the bytes of a key file.</summary>
    public static byte[] Seal(string keyId, KeyType keyType, ReadOnlySpan<byte> pkcs8, ReadOnlySpan<byte> encryptionKey)
    {
        ThrowIfWrongKeyLength(encryptionKey);
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        var ciphertext = new byte[pkcs8.Length];
        var tag = new byte[TagLength];
        using (var aes = new AesGcm(encryptionKey, TagLength))
        {
            aes.Encrypt(nonce, pkcs8, ciphertext, tag, AssociatedData(FormatVersion, keyId, keyType));
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", FormatVersion);
            json.WriteString("keyId", keyId);
            json.WriteString("keyType", KeyTypes.Format(keyType));
            json.WriteBase64String("nonce", nonce);
            json.WriteBase64String("ciphertext", ciphertext);
            json.WriteBase64String("tag", tag);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>
    /// Decrypts a key file that should hold <paramref name="expectedKeyId"/>. The caller owns the
    /// returned PKCS#8 bytes and should zero them after use. Every problem (truncated, tampered,
    /// wrong encryption key, unknown version, key of another id) is a <see cref="KeyManagerException"/>
    /// naming <paramref name="path"/>.
    /// </summary>
    public static (KeyType KeyType, byte[] Pkcs8) Open(
        ReadOnlySpan<byte> file, string expectedKeyId, ReadOnlySpan<byte> encryptionKey, string path)
    {
        ThrowIfWrongKeyLength(encryptionKey);
        if (file.Length > MaxFileLength)
        {
            throw Invalid(path, $"it is {file.Length} bytes, larger than any key file");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(file.ToArray());
        }
        catch (JsonException)
        {
            throw Invalid(path, "it is not a valid key file (truncated or corrupted JSON)");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "it is not a valid key file (not a JSON object)");
            }

            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != FormatName)
            {
                throw Invalid(path, $"it is not a key file (its \"format\" is not \"{FormatName}\")");
            }

            if (!root.TryGetProperty("version", out var versionElement) || !versionElement.TryGetInt32(out var version))
            {
                throw Invalid(path, "it has no integer \"version\" field");
            }

            if (version != FormatVersion)
            {
                throw Invalid(path, $"its format version {version} is not supported (this version reads {FormatVersion})");
            }

            var keyId = RequiredString(root, "keyId", path);
            if (!string.Equals(keyId, expectedKeyId, StringComparison.Ordinal))
            {
                throw Invalid(path, $"it holds key id '{keyId}', not '{expectedKeyId}'; key files cannot be renamed or swapped between ids");
            }

            var keyTypeName = RequiredString(root, "keyType", path);
            if (!KeyTypes.TryParse(keyTypeName, out var keyType))
            {
                throw Invalid(path, $"its key type '{keyTypeName}' is not one of {string.Join(", ", KeyTypes.Names)}");
            }

            var nonce = RequiredBytes(root, "nonce", path);
            var ciphertext = RequiredBytes(root, "ciphertext", path);
            var tag = RequiredBytes(root, "tag", path);
            if (nonce.Length != NonceLength || tag.Length != TagLength || ciphertext.Length is 0 or > MaxPkcs8Length)
            {
                throw Invalid(path, "its nonce, tag or ciphertext has the wrong length (truncated or corrupted)");
            }

            var pkcs8 = new byte[ciphertext.Length];
            try
            {
                using var aes = new AesGcm(encryptionKey, TagLength);
                aes.Decrypt(nonce, ciphertext, tag, pkcs8, AssociatedData(version, expectedKeyId, keyType));
            }
            catch (CryptographicException)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
                throw Invalid(path, "decryption failed: the file was modified, or the encryption key is not the one it was written with");
            }

            return (keyType, pkcs8);
        }
    }

    private static byte[] AssociatedData(int version, string keyId, KeyType keyType) =>
        Encoding.UTF8.GetBytes($"{FormatName}\0{version}\0{keyId}\0{KeyTypes.Format(keyType)}");

    private static string RequiredString(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String)
        {
            throw Invalid(path, $"it has no \"{name}\" string field");
        }

        return element.GetString()!;
    }

    private static byte[] RequiredBytes(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String
            || !element.TryGetBytesFromBase64(out var bytes))
        {
            throw Invalid(path, $"its \"{name}\" field is missing or not base64 (truncated or corrupted)");
        }

        return bytes;
    }

    private static void ThrowIfWrongKeyLength(ReadOnlySpan<byte> encryptionKey)
    {
        if (encryptionKey.Length != EncryptionKeyLength)
        {
            throw new ArgumentException($"the encryption key must be {EncryptionKeyLength} bytes", nameof(encryptionKey));
        }
    }

    private static KeyManagerException Invalid(string path, string problem) =>
        new($"cannot load key file '{path}': {problem}", isTransient: false);
}
