using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>Checks on public keys and signatures, independent of the code under test.</summary>
internal static class KeyAssert
{
    public static IReadOnlyList<HashAlgorithmName> Hashes { get; } =
        [HashAlgorithmName.SHA256, HashAlgorithmName.SHA384, HashAlgorithmName.SHA512];

    public static void PublicKeyIs(KeyType keyType, PublicKey publicKey)
    {
        switch (keyType)
        {
            case KeyType.EcP256:
            case KeyType.EcP384:
                Assert.Equal("1.2.840.10045.2.1", publicKey.Oid.Value);
                using (var ec = publicKey.GetECDsaPublicKey())
                {
                    Assert.NotNull(ec);
                    Assert.Equal(keyType == KeyType.EcP256 ? 256 : 384, ec.KeySize);
                }

                break;
            case KeyType.Rsa2048:
            case KeyType.Rsa4096:
                Assert.Equal("1.2.840.113549.1.1.1", publicKey.Oid.Value);
                using (var rsa = publicKey.GetRSAPublicKey())
                {
                    Assert.NotNull(rsa);
                    Assert.Equal(keyType == KeyType.Rsa2048 ? 2048 : 4096, rsa.KeySize);
                }

                break;
            default:
                Assert.Fail($"unexpected key type {keyType}");
                break;
        }
    }

    public static bool Verifies(PublicKey publicKey, KeyType keyType, byte[] digest, byte[] signature, HashAlgorithmName hash)
    {
        if (keyType is KeyType.EcP256 or KeyType.EcP384)
        {
            using var ec = publicKey.GetECDsaPublicKey()!;
            return ec.VerifyHash(digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        using var rsa = publicKey.GetRSAPublicKey()!;
        return rsa.VerifyHash(digest, signature, hash, RSASignaturePadding.Pkcs1);
    }

    public static void SamePublicKey(PublicKey expected, PublicKey actual) =>
        Assert.Equal(expected.ExportSubjectPublicKeyInfo(), actual.ExportSubjectPublicKeyInfo());

    public static void DifferentPublicKey(PublicKey expected, PublicKey actual) =>
        Assert.NotEqual(expected.ExportSubjectPublicKeyInfo(), actual.ExportSubjectPublicKeyInfo());

    public static string SignatureAlgorithmOid(KeyType keyType, HashAlgorithmName hash) =>
        (keyType is KeyType.EcP256 or KeyType.EcP384, hash.Name) switch
        {
            (true, "SHA256") => "1.2.840.10045.4.3.2",
            (true, "SHA384") => "1.2.840.10045.4.3.3",
            (true, "SHA512") => "1.2.840.10045.4.3.4",
            (false, "SHA256") => "1.2.840.113549.1.1.11",
            (false, "SHA384") => "1.2.840.113549.1.1.12",
            (false, "SHA512") => "1.2.840.113549.1.1.13",
            _ => throw new ArgumentOutOfRangeException(nameof(hash)),
        };
}
