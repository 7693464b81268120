using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// The x509pop proof of possession: a signature over the nonce bytes with the leaf's key, ECDSA as a
/// DER sequence over SHA-256, or RSA PKCS#1 v1.5 over SHA-256.
/// </summary>
internal static class X509PopSignature
{
    public static byte[] Sign(X509Certificate2 leafWithKey, byte[] nonce)
    {
        using var ec = leafWithKey.GetECDsaPrivateKey();
        if (ec is not null)
        {
            return ec.SignData(nonce, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }

        using var rsa = leafWithKey.GetRSAPrivateKey();
        if (rsa is not null)
        {
            return rsa.SignData(nonce, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        throw new NotSupportedException("x509pop needs an ECDSA or RSA key");
    }

    /// <summary>Null when the signature verifies; else what is wrong.</summary>
    public static string? Verify(X509Certificate2 leaf, byte[] nonce, byte[] signature)
    {
        using var ec = leaf.GetECDsaPublicKey();
        if (ec is not null)
        {
            return ec.VerifyData(nonce, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                ? null
                : "x509pop signature over the nonce does not verify with the leaf certificate's ECDSA key";
        }

        using var rsa = leaf.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.VerifyData(nonce, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                ? null
                : "x509pop signature over the nonce does not verify with the leaf certificate's RSA key";
        }

        return "x509pop leaf certificate key is neither ECDSA nor RSA";
    }
}
