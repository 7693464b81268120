using System.Security.Cryptography;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>Creates and imports the in-process keys the memory and disk key managers hold.</summary>
internal static class SoftwareKeys
{
    private const string NistP256Oid = "1.2.840.10045.3.1.7";
    private const string NistP384Oid = "1.3.132.0.34";

    /// <summary>Generates a new private key of <paramref name="keyType"/>.</summary>
    public static AsymmetricAlgorithm Generate(KeyType keyType) => keyType switch
    {
        KeyType.EcP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyType.EcP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        KeyType.Rsa2048 => RSA.Create(2048),
        KeyType.Rsa4096 => RSA.Create(4096),
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "unsupported key type"),
    };

    /// <summary>
    /// Imports a PKCS#8 private key and checks it is a key of <paramref name="keyType"/>
    /// (curve or modulus size); throws <see cref="CryptographicException"/> when it is not.
    /// </summary>
    public static AsymmetricAlgorithm ImportPkcs8(KeyType keyType, ReadOnlySpan<byte> pkcs8)
    {
        AsymmetricAlgorithm key = KeyTypes.IsEcdsa(keyType) ? ECDsa.Create() : RSA.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out var read);
            if (read != pkcs8.Length)
            {
                throw new CryptographicException("trailing data after the PKCS#8 private key");
            }

            if (!Matches(key, keyType))
            {
                throw new CryptographicException($"the private key is not a {KeyTypes.Format(keyType)} key");
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static bool Matches(AsymmetricAlgorithm key, KeyType keyType) => (key, keyType) switch
    {
        (ECDsa ec, KeyType.EcP256) => CurveOid(ec) == NistP256Oid,
        (ECDsa ec, KeyType.EcP384) => CurveOid(ec) == NistP384Oid,
        (RSA rsa, KeyType.Rsa2048) => rsa.KeySize == 2048,
        (RSA rsa, KeyType.Rsa4096) => rsa.KeySize == 4096,
        _ => false,
    };

    private static string? CurveOid(ECDsa key)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (!curve.IsNamed)
        {
            return null;
        }

        // Some platforms report the friendly name only.
        return curve.Oid.Value ?? curve.Oid.FriendlyName switch
        {
            "nistP256" or "ECDSA_P256" => NistP256Oid,
            "nistP384" or "ECDSA_P384" => NistP384Oid,
            _ => null,
        };
    }
}
