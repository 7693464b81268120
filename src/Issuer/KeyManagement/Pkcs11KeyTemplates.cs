using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// The PKCS#11 encodings the key manager needs: the named-curve CKA_EC_PARAMS, public keys from
/// CKA_EC_POINT or CKA_MODULUS + CKA_PUBLIC_EXPONENT, and the DigestInfo CKM_RSA_PKCS signs.
/// </summary>
internal static class Pkcs11KeyTemplates
{
    /// <summary>The RSA public exponent of generated keys, 65537.</summary>
    public static readonly byte[] PublicExponent = [0x01, 0x00, 0x01];

    // DER OBJECT IDENTIFIER of prime256v1 (1.2.840.10045.3.1.7) and secp384r1 (1.3.132.0.34).
    private static readonly byte[] P256Parameters = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
    private static readonly byte[] P384Parameters = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22];

    // RFC 8017 section 9.2 note 1: the DER DigestInfo prefix of each hash.
    private static readonly byte[] Sha256Prefix = [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
    private static readonly byte[] Sha384Prefix = [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30];
    private static readonly byte[] Sha512Prefix = [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40];

    /// <summary>The CKA_EC_PARAMS of an EC key type.</summary>
    public static byte[] EcParameters(KeyType keyType) => keyType switch
    {
        KeyType.EcP256 => (byte[])P256Parameters.Clone(),
        KeyType.EcP384 => (byte[])P384Parameters.Clone(),
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "not an EC key type"),
    };

    /// <summary>The CKA_MODULUS_BITS of an RSA key type.</summary>
    public static ulong ModulusBits(KeyType keyType) => keyType switch
    {
        KeyType.Rsa2048 => 2048,
        KeyType.Rsa4096 => 4096,
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "not an RSA key type"),
    };

    /// <summary>The EC key type of a CKA_EC_PARAMS value, or Unspecified for another curve.</summary>
    public static KeyType EcKeyType(ReadOnlySpan<byte> ecParameters) =>
        ecParameters.SequenceEqual(P256Parameters) ? KeyType.EcP256
        : ecParameters.SequenceEqual(P384Parameters) ? KeyType.EcP384
        : KeyType.Unspecified;

    /// <summary>The RSA key type of a modulus, or Unspecified for another size.</summary>
    public static KeyType RsaKeyType(ReadOnlySpan<byte> modulus) =>
        new BigInteger(modulus, isUnsigned: true, isBigEndian: true).GetBitLength() switch
        {
            2048 => KeyType.Rsa2048,
            4096 => KeyType.Rsa4096,
            _ => KeyType.Unspecified,
        };

    /// <summary>
    /// The SubjectPublicKeyInfo of an EC public key from its CKA_EC_POINT: a DER OCTET STRING
    /// holding the uncompressed point, as PKCS#11 v2.20+ specifies; a raw point (some older
    /// modules) is accepted too.
    /// </summary>
    public static byte[] EcSubjectPublicKeyInfo(KeyType keyType, byte[] ecPoint)
    {
        var fieldLength = keyType == KeyType.EcP256 ? 32 : 48;
        var rawLength = 1 + (2 * fieldLength);
        byte[] point;
        if (ecPoint.Length == rawLength && ecPoint[0] == 0x04)
        {
            point = ecPoint;
        }
        else
        {
            try
            {
                var reader = new AsnReader(ecPoint, AsnEncodingRules.BER);
                point = reader.ReadOctetString();
                reader.ThrowIfNotEmpty();
            }
            catch (AsnContentException e)
            {
                throw new CryptographicException("CKA_EC_POINT is neither an OCTET STRING nor an uncompressed point", e);
            }
        }

        if (point.Length != rawLength || point[0] != 0x04)
        {
            throw new CryptographicException($"CKA_EC_POINT is not an uncompressed {KeyTypes.Format(keyType)} point");
        }

        using var key = ECDsa.Create(new ECParameters
        {
            Curve = keyType == KeyType.EcP256 ? ECCurve.NamedCurves.nistP256 : ECCurve.NamedCurves.nistP384,
            Q = new ECPoint { X = point[1..(1 + fieldLength)], Y = point[(1 + fieldLength)..] },
        });
        return key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>The SubjectPublicKeyInfo of an RSA public key from CKA_MODULUS and CKA_PUBLIC_EXPONENT.</summary>
    public static byte[] RsaSubjectPublicKeyInfo(byte[] modulus, byte[] exponent)
    {
        using var key = RSA.Create();
        key.ImportParameters(new RSAParameters { Modulus = TrimLeadingZeros(modulus), Exponent = TrimLeadingZeros(exponent) });
        return key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>A .NET public key from a SubjectPublicKeyInfo.</summary>
    public static PublicKey ToPublicKey(byte[] subjectPublicKeyInfo) => PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);

    /// <summary>The DER DigestInfo of <paramref name="digest"/>, what CKM_RSA_PKCS pads and signs.</summary>
    public static byte[] DigestInfo(ReadOnlySpan<byte> digest, HashAlgorithmName hashAlgorithm)
    {
        var prefix = hashAlgorithm == HashAlgorithmName.SHA256 ? Sha256Prefix
            : hashAlgorithm == HashAlgorithmName.SHA384 ? Sha384Prefix
            : hashAlgorithm == HashAlgorithmName.SHA512 ? Sha512Prefix
            : throw new ArgumentException($"hash algorithm '{hashAlgorithm.Name}' is not supported; use SHA256, SHA384 or SHA512", nameof(hashAlgorithm));
        var info = new byte[prefix.Length + digest.Length];
        prefix.CopyTo(info, 0);
        digest.CopyTo(info.AsSpan(prefix.Length));
        return info;
    }

    private static byte[] TrimLeadingZeros(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return start == 0 ? value : value[start..];
    }
}
