using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>
/// Verifies a certificate's signature by hand: takes the DER tbsCertificate, signatureAlgorithm
/// and signatureValue apart and checks the signature with the issuer's public key.
/// </summary>
internal static class CertificateSignatures
{
    public static bool IsSignedBy(X509Certificate2 certificate, PublicKey issuerKey)
    {
        var reader = new AsnReader(certificate.RawData, AsnEncodingRules.DER);
        var certificateSequence = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var tbs = certificateSequence.ReadEncodedValue();
        var algorithm = certificateSequence.ReadSequence();
        var signature = certificateSequence.ReadBitString(out var unusedBits);
        certificateSequence.ThrowIfNotEmpty();
        Assert.Equal(0, unusedBits);

        var oid = algorithm.ReadObjectIdentifier();
        var (isEcdsa, hash) = oid switch
        {
            "1.2.840.10045.4.3.2" => (true, HashAlgorithmName.SHA256),
            "1.2.840.10045.4.3.3" => (true, HashAlgorithmName.SHA384),
            "1.2.840.10045.4.3.4" => (true, HashAlgorithmName.SHA512),
            "1.2.840.113549.1.1.11" => (false, HashAlgorithmName.SHA256),
            "1.2.840.113549.1.1.12" => (false, HashAlgorithmName.SHA384),
            "1.2.840.113549.1.1.13" => (false, HashAlgorithmName.SHA512),
            _ => throw new InvalidOperationException($"unexpected signature algorithm {oid}"),
        };
        if (isEcdsa)
        {
            Assert.False(algorithm.HasData, "ECDSA signature algorithms have no parameters (RFC 5758)");
            using var ec = issuerKey.GetECDsaPublicKey();
            return ec is not null && ec.VerifyData(tbs.Span, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        algorithm.ReadNull();
        algorithm.ThrowIfNotEmpty();
        using var rsa = issuerKey.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(tbs.Span, signature, hash, RSASignaturePadding.Pkcs1);
    }
}
