using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Lets <see cref="CertificateRequest"/> sign with a key held by a key manager: the private key
/// stays in the manager (memory, disk, PKCS#11 token, cloud KMS), which only ever sees a digest.
/// ECDSA signatures are written as the DER <c>SEQUENCE { r, s }</c> X.509 uses; RSA signatures use
/// PKCS#1 v1.5. Supported hashes: SHA-256, SHA-384, SHA-512.
/// </summary>
public sealed class KeyManagerSignatureGenerator : X509SignatureGenerator
{
    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    private const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";
    private const string EcdsaWithSha512 = "1.2.840.10045.4.3.4";
    private const string Sha256WithRsaEncryption = "1.2.840.113549.1.1.11";
    private const string Sha384WithRsaEncryption = "1.2.840.113549.1.1.12";
    private const string Sha512WithRsaEncryption = "1.2.840.113549.1.1.13";

    private readonly IKeySigner _signer;
    private readonly CancellationToken _cancellationToken;

    /// <summary>Signs with <paramref name="signer"/>.</summary>
    public KeyManagerSignatureGenerator(IKeySigner signer)
        : this(signer, CancellationToken.None)
    {
    }

    /// <summary>
    /// Signs with <paramref name="signer"/>, passing <paramref name="cancellationToken"/> to each
    /// signature (X.509 building is synchronous, so a remote signer is waited for).
    /// </summary>
    public KeyManagerSignatureGenerator(IKeySigner signer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signer);
        KeyTypes.ThrowIfUnsupported(signer.KeyType, nameof(signer));
        _signer = signer;
        _cancellationToken = cancellationToken;
    }

    /// <inheritdoc />
    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
    {
        var isEcdsa = KeyTypes.IsEcdsa(_signer.KeyType);
        var oid = (isEcdsa, hashAlgorithm.Name) switch
        {
            (true, "SHA256") => EcdsaWithSha256,
            (true, "SHA384") => EcdsaWithSha384,
            (true, "SHA512") => EcdsaWithSha512,
            (false, "SHA256") => Sha256WithRsaEncryption,
            (false, "SHA384") => Sha384WithRsaEncryption,
            (false, "SHA512") => Sha512WithRsaEncryption,
            _ => throw UnsupportedHash(hashAlgorithm),
        };

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            if (!isEcdsa)
            {
                // RFC 4055 section 5: the PKCS#1 v1.5 identifiers carry NULL parameters; ECDSA ones carry none (RFC 5758).
                writer.WriteNull();
            }
        }

        return writer.Encode();
    }

    /// <inheritdoc />
    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (hashAlgorithm.Name is not ("SHA256" or "SHA384" or "SHA512"))
        {
            throw UnsupportedHash(hashAlgorithm);
        }

        var digest = CryptographicOperations.HashData(hashAlgorithm, data);
        var pending = _signer.SignDigestAsync(digest, hashAlgorithm, _cancellationToken);
        var signature = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        return KeyTypes.IsEcdsa(_signer.KeyType) ? P1363ToDer(signature, _signer.KeyId) : signature;
    }

    /// <inheritdoc />
    protected override PublicKey BuildPublicKey() => _signer.PublicKey;

    /// <summary>Converts an IEEE P1363 ECDSA signature (r‖s, fixed width) to DER <c>SEQUENCE { INTEGER r, INTEGER s }</c>.</summary>
    internal static byte[] P1363ToDer(ReadOnlySpan<byte> signature, string keyId)
    {
        if (signature.Length == 0 || signature.Length % 2 != 0)
        {
            throw new CryptographicException(
                $"key '{keyId}' returned an ECDSA signature of {signature.Length} bytes; IEEE P1363 r||s has an even, non-zero length");
        }

        var half = signature.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(TrimLeadingZeros(signature[..half]));
            writer.WriteIntegerUnsigned(TrimLeadingZeros(signature[half..]));
        }

        return writer.Encode();
    }

    private static ReadOnlySpan<byte> TrimLeadingZeros(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..];
    }

    private static ArgumentException UnsupportedHash(HashAlgorithmName hashAlgorithm) =>
        new($"hash algorithm '{hashAlgorithm.Name}' is not supported for signing certificates; use SHA256, SHA384 or SHA512",
            nameof(hashAlgorithm));
}
