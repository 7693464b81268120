using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>Reading and verifying the workload's certification request.</summary>
internal sealed partial class X509SvidMinter
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    /// <summary>Verifies the CSR's self-signature (proof the caller holds the key) and returns its key and key type.</summary>
    internal static (PublicKey Key, string KeyType) ReadCsr(byte[] csr, int index)
    {
        // Importing a public key into OpenSSL costs more than verifying with it, so an EC request is
        // verified with the one key object that also gives its size; anything else, and any request
        // that does not verify (for its exact error), goes through the framework's own check.
        CheckSignatureAlgorithm(csr, index);
        var fast = TryReadEcCsr(csr);
        var (key, described) = fast ?? ReadCsrWithFrameworkCheck(csr, index);
        if (described is not ("ec-p256" or "ec-p384" or "rsa-2048" or "rsa-3072" or "rsa-4096"))
        {
            throw new CaException($"request {index}: CSR key type {described} is not accepted; use EC P-256, EC P-384 or RSA 2048-4096");
        }

        return (key, described);
    }

    private static (PublicKey Key, string KeyType) ReadCsrWithFrameworkCheck(byte[] csr, int index)
    {
        CertificateRequest parsed;
        try
        {
            // Default load options verify the request's self-signature.
            parsed = CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (Exception ex) when (ex is CryptographicException or NotSupportedException or ArgumentException or PlatformNotSupportedException)
        {
            throw new CaException($"request {index}: CSR is not a valid PKCS#10 request or its signature does not verify ({ex.Message})", ex);
        }

        return (parsed.PublicKey, X509Extensions.DescribeKey(parsed.PublicKey));
    }

    /// <summary>
    /// For a well-formed request with an EC key signed ECDSA-with-SHA-x, does what the framework's
    /// default load does (one key import, one DER-signature verify) and returns the key and
    /// <c>ec-pN</c>; null when the request is anything else or does not verify.
    /// </summary>
    private static (PublicKey Key, string KeyType)? TryReadEcCsr(byte[] csr)
    {
        PublicKey key;
        try
        {
            // Structure, version and attributes are checked exactly as before, without the signature.
            key = CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation).PublicKey;
        }
        catch (CryptographicException)
        {
            return null;
        }

        if (key.Oid.Value != EcPublicKeyOid || !TrySplitSignedRequest(csr, out var requestInfo, out var hash, out var signature))
        {
            return null;
        }

        // Name the curve by the key's parameters OID, not its size: secp256k1 is 256 bits but not P-256.
        var described = X509Extensions.DescribeEcCurve(key);
        var curve = described switch
        {
            "ec-p256" => ECCurve.NamedCurves.nistP256,
            "ec-p384" => ECCurve.NamedCurves.nistP384,
            _ => (ECCurve?)null,
        };
        var point = key.EncodedKeyValue.RawData;
        var size = described == "ec-p384" ? 48 : 32;
        if (curve is null || point.Length != 1 + (2 * size) || point[0] != 0x04)
        {
            return null;
        }

        try
        {
            // Importing the point as parameters costs OpenSSL much less than decoding a
            // SubjectPublicKeyInfo, and the import is most of the price of a CSR.
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = curve.Value,
                Q = new ECPoint { X = point[1..(1 + size)], Y = point[(1 + size)..] },
            });
            if (!ecdsa.VerifyData(requestInfo.Span, signature.Span, hash, DSASignatureFormat.Rfc3279DerSequence))
            {
                return null;
            }

            return (key, described);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// Splits a DER PKCS#10 request (already parsed once) into the signed CertificationRequestInfo,
    /// the hash of an ECDSA-with-SHA-x signature algorithm without parameters, and the signature.
    /// </summary>
    private static bool TrySplitSignedRequest(ReadOnlyMemory<byte> csr, out ReadOnlyMemory<byte> requestInfo, out HashAlgorithmName hash, out ReadOnlyMemory<byte> signature)
    {
        requestInfo = default;
        signature = default;
        hash = default;
        try
        {
            var request = new AsnReader(csr, AsnEncodingRules.DER).ReadSequence();
            requestInfo = request.ReadEncodedValue();
            var algorithm = request.ReadSequence();
            hash = algorithm.ReadObjectIdentifier() switch
            {
                "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
                "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
                "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
                _ => default,
            };
            if (hash == default)
            {
                return false;
            }

            // Like the framework: no parameters, or an explicit NULL.
            if (algorithm.HasData)
            {
                algorithm.ReadNull();
                algorithm.ThrowIfNotEmpty();
            }

            if (!request.TryReadPrimitiveBitString(out var unusedBits, out signature) || unusedBits != 0)
            {
                return false;
            }

            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
