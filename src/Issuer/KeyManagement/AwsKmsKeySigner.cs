using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// A key held in AWS KMS. It signs with the KMS key it was created or found with (its key id, never
/// the alias), so a replaced key's old signer cannot silently sign with the new key: once the old
/// key is scheduled for deletion KMS refuses, and the signer throws <see cref="KeyManagerException"/>.
/// </summary>
internal sealed class AwsKmsKeySigner : IKeySigner
{
    private readonly AwsKmsKeyManager _manager;
    private readonly byte[] _subjectPublicKeyInfo;

    public AwsKmsKeySigner(AwsKmsKeyManager manager, string keyId, KeyType keyType, string kmsKeyId, byte[] subjectPublicKeyInfo)
    {
        _manager = manager;
        KeyId = keyId;
        KeyType = keyType;
        KmsKeyId = kmsKeyId;
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
    }

    /// <inheritdoc />
    public string KeyId { get; }

    /// <inheritdoc />
    public KeyType KeyType { get; }

    /// <summary>The KMS key (its ARN) that signs.</summary>
    public string KmsKeyId { get; }

    /// <inheritdoc />
    public PublicKey PublicKey => PublicKey.CreateFromSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);

    /// <inheritdoc />
    public async ValueTask<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken)
    {
        SignatureHashes.ThrowIfWrongLength(digest.Span, hashAlgorithm);
        var (algorithm, message) = SigningInput(KeyType, digest.Span, hashAlgorithm);
        var signature = await _manager.SignAsync(this, algorithm, message, cancellationToken);
        return KeyTypes.IsEcdsa(KeyType) ? DerToP1363(signature, FieldLength(KeyType), KeyId) : signature;
    }

    /// <summary>
    /// The KMS signing algorithm and the digest to send for a digest made with <paramref name="hashAlgorithm"/>.
    /// KMS pairs each curve with one hash (P-256 with ECDSA_SHA_256, P-384 with ECDSA_SHA_384;
    /// ECDSA_SHA_512 is for P-521 only). ECDSA signs the leftmost bits of a digest up to the curve's
    /// size (FIPS 186-5, 6.4.1), so a longer digest is cut to that size and a shorter one is
    /// left-padded with zero bytes (same integer): the signature is exactly the ECDSA signature of
    /// the caller's digest and verifies with it.
    /// </summary>
    internal static (string Algorithm, byte[] Message) SigningInput(KeyType keyType, ReadOnlySpan<byte> digest, HashAlgorithmName hashAlgorithm)
    {
        if (!KeyTypes.IsEcdsa(keyType))
        {
            var algorithm = hashAlgorithm.Name switch
            {
                "SHA256" => "RSASSA_PKCS1_V1_5_SHA_256",
                "SHA384" => "RSASSA_PKCS1_V1_5_SHA_384",
                _ => "RSASSA_PKCS1_V1_5_SHA_512",
            };
            return (algorithm, digest.ToArray());
        }

        var length = FieldLength(keyType);
        var message = new byte[length];
        if (digest.Length >= length)
        {
            digest[..length].CopyTo(message);
        }
        else
        {
            digest.CopyTo(message.AsSpan(length - digest.Length));
        }

        return (keyType == KeyType.EcP256 ? "ECDSA_SHA_256" : "ECDSA_SHA_384", message);
    }

    /// <summary>Converts KMS's DER <c>SEQUENCE { r, s }</c> to IEEE P1363 r‖s, each <paramref name="fieldLength"/> bytes.</summary>
    internal static byte[] DerToP1363(byte[] der, int fieldLength, string keyId)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var r = sequence.ReadIntegerBytes().Span;
            var s = sequence.ReadIntegerBytes().Span;
            sequence.ThrowIfNotEmpty();
            reader.ThrowIfNotEmpty();
            var result = new byte[2 * fieldLength];
            CopyUnsigned(r, result.AsSpan(0, fieldLength));
            CopyUnsigned(s, result.AsSpan(fieldLength, fieldLength));
            return result;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            throw new KeyManagerException($"AWS KMS returned a malformed ECDSA signature for key '{keyId}'", isTransient: false, e);
        }
    }

    private static int FieldLength(KeyType keyType) => keyType == KeyType.EcP256 ? 32 : 48;

    private static void CopyUnsigned(ReadOnlySpan<byte> integer, Span<byte> destination)
    {
        if (integer.Length > 0 && (integer[0] & 0x80) != 0)
        {
            throw new CryptographicException("negative ECDSA signature component");
        }

        while (integer.Length > 1 && integer[0] == 0)
        {
            integer = integer[1..];
        }

        if (integer.Length > destination.Length)
        {
            throw new CryptographicException("ECDSA signature component longer than the curve");
        }

        integer.CopyTo(destination[(destination.Length - integer.Length)..]);
    }
}
