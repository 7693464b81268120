using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>
/// Signs with one version of a Key Vault key (the version this signer was created or loaded with,
/// so a signer never silently switches to a replacement key). The private key never leaves the vault.
/// <para>
/// Key Vault pairs each ECDSA algorithm with one curve and one digest size (ES256: P-256 and 32
/// bytes; ES384: P-384 and 48 bytes), while callers may sign any of SHA-256, SHA-384 and SHA-512 with
/// either curve. ECDSA itself only uses the leftmost bits of the digest up to the curve order's size
/// (FIPS 186-5 section 6.4.1), so a longer digest is cut to the curve size and a shorter one is
/// left-padded with zero bytes (the same integer): the signature is exactly the ECDSA signature
/// over the caller's digest, and verifies as ecdsa-with-SHA384 on P-256 and so on. RSA keys sign
/// every digest with the matching RS256/RS384/RS512 (PKCS#1 v1.5).
/// </para>
/// </summary>
internal sealed class AzureKeyVaultKeySigner : IKeySigner
{
    private readonly AzureKeyVaultClient _client;
    private readonly AzureKeyVaultKeyBundle _bundle;

    public AzureKeyVaultKeySigner(AzureKeyVaultClient client, string keyId, AzureKeyVaultKeyBundle bundle)
    {
        _client = client;
        _bundle = bundle;
        KeyId = keyId;
    }

    /// <inheritdoc />
    public string KeyId { get; }

    /// <inheritdoc />
    public KeyType KeyType => _bundle.KeyType;

    /// <inheritdoc />
    public PublicKey PublicKey => _bundle.PublicKey;

    /// <summary>The key version this signer signs with.</summary>
    internal string Version => _bundle.Version;

    /// <inheritdoc />
    public async ValueTask<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SignatureHashes.ThrowIfWrongLength(digest.Span, hashAlgorithm);
        var (algorithm, value) = Prepare(KeyType, digest.Span, hashAlgorithm);
        var signature = await _client.SignAsync(_bundle.Name, _bundle.Version, algorithm, value, KeyId, cancellationToken)
            ?? throw new KeyManagerException(
                $"key '{KeyId}' (version {_bundle.Version}) no longer exists in vault {_client.Vault}: it was deleted", isTransient: false);
        var expected = KeyType switch
        {
            KeyType.EcP256 => 64,
            KeyType.EcP384 => 96,
            _ => -1,
        };
        if (expected > 0 && signature.Length != expected)
        {
            throw new KeyManagerException(
                $"vault {_client.Vault} returned a {signature.Length}-byte ECDSA signature for key '{KeyId}'; expected {expected} bytes (r||s)", isTransient: false);
        }

        return signature;
    }

    /// <summary>The Key Vault algorithm and the value to send for a digest of <paramref name="hashAlgorithm"/>.</summary>
    internal static (string Algorithm, byte[] Value) Prepare(KeyType keyType, ReadOnlySpan<byte> digest, HashAlgorithmName hashAlgorithm)
    {
        switch (keyType)
        {
            case KeyType.EcP256:
                return ("ES256", FitToCurve(digest, 32));
            case KeyType.EcP384:
                return ("ES384", FitToCurve(digest, 48));
            case KeyType.Rsa2048 or KeyType.Rsa4096:
                var algorithm = hashAlgorithm.Name switch
                {
                    "SHA256" => "RS256",
                    "SHA384" => "RS384",
                    "SHA512" => "RS512",
                    _ => throw new ArgumentException($"hash algorithm '{hashAlgorithm.Name}' is not supported; use SHA256, SHA384 or SHA512", nameof(hashAlgorithm)),
                };
                return (algorithm, digest.ToArray());
            default:
                throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "unsupported key type");
        }
    }

    private static byte[] FitToCurve(ReadOnlySpan<byte> digest, int size)
    {
        if (digest.Length >= size)
        {
            return digest[..size].ToArray();
        }

        var padded = new byte[size];
        digest.CopyTo(padded.AsSpan(size - digest.Length));
        return padded;
    }
}
