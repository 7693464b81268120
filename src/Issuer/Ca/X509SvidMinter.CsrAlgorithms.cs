using System.Formats.Asn1;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>Which signature algorithms a certification request may be signed with.</summary>
internal sealed partial class X509SvidMinter
{
    private const string RsaPssOid = "1.2.840.113549.1.1.10";

    /// <summary>ECDSA and RSA PKCS#1 v1.5 with SHA-2 (256, 384, 512): the only self-signatures accepted.</summary>
    private static readonly HashSet<string> AcceptedSignatureOids =
    [
        "1.2.840.10045.4.3.2", // ecdsa-with-SHA256
        "1.2.840.10045.4.3.3", // ecdsa-with-SHA384
        "1.2.840.10045.4.3.4", // ecdsa-with-SHA512
        "1.2.840.113549.1.1.11", // sha256WithRSAEncryption
        "1.2.840.113549.1.1.12", // sha384WithRSAEncryption
        "1.2.840.113549.1.1.13", // sha512WithRSAEncryption
    ];

    /// <summary>SHA-256, SHA-384 and SHA-512 (with their output length in bytes), as an RSASSA-PSS hashAlgorithm may name them.</summary>
    private static readonly Dictionary<string, int> AcceptedPssHashOids = new()
    {
        ["2.16.840.1.101.3.4.2.1"] = 32,
        ["2.16.840.1.101.3.4.2.2"] = 48,
        ["2.16.840.1.101.3.4.2.3"] = 64,
    };

    /// <summary>Names of signature algorithms a caller may try, for an error that says what was refused.</summary>
    private static readonly Dictionary<string, string> RefusedSignatureNames = new()
    {
        ["1.2.840.113549.1.1.2"] = "md2WithRSAEncryption",
        ["1.2.840.113549.1.1.4"] = "md5WithRSAEncryption",
        ["1.2.840.113549.1.1.5"] = "sha1WithRSAEncryption",
        ["1.2.840.113549.1.1.14"] = "sha224WithRSAEncryption",
        ["1.2.840.10045.4.1"] = "ecdsa-with-SHA1",
        ["1.2.840.10045.4.3.1"] = "ecdsa-with-SHA224",
        ["1.2.840.10040.4.3"] = "dsa-with-SHA1",
        ["2.16.840.1.101.3.4.3.1"] = "dsa-with-SHA224",
        ["2.16.840.1.101.3.4.3.2"] = "dsa-with-SHA256",
        ["2.16.840.1.101.3.4.3.9"] = "ecdsa-with-SHA3-224",
        ["2.16.840.1.101.3.4.3.10"] = "ecdsa-with-SHA3-256",
        ["2.16.840.1.101.3.4.3.11"] = "ecdsa-with-SHA3-384",
        ["2.16.840.1.101.3.4.3.12"] = "ecdsa-with-SHA3-512",
        ["2.16.840.1.101.3.4.3.13"] = "sha3-224WithRSAEncryption",
        ["2.16.840.1.101.3.4.3.14"] = "sha3-256WithRSAEncryption",
        ["2.16.840.1.101.3.4.3.15"] = "sha3-384WithRSAEncryption",
        ["2.16.840.1.101.3.4.3.16"] = "sha3-512WithRSAEncryption",
        ["1.3.101.112"] = "Ed25519",
        ["1.3.101.113"] = "Ed448",
    };

    /// <summary>
    /// Refuses a request whose self-signature uses anything but ECDSA or RSA (PKCS#1 v1.5 or PSS) with
    /// SHA-256, SHA-384 or SHA-512, naming the algorithm, before any key is imported. Weak hashes
    /// (MD5, SHA-1, SHA-224) would let a collision stand in for proof of possession, and algorithms
    /// the framework cannot verify must be a clear refusal, not an error of the verifier.
    /// </summary>
    private static void CheckSignatureAlgorithm(byte[] csr, int index)
    {
        string oid;
        ReadOnlyMemory<byte>? parameters;
        try
        {
            var request = new AsnReader(csr, AsnEncodingRules.DER).ReadSequence();
            request.ReadEncodedValue(); // CertificationRequestInfo
            var algorithm = request.ReadSequence();
            oid = algorithm.ReadObjectIdentifier();
            parameters = algorithm.HasData ? algorithm.ReadEncodedValue() : null;
        }
        catch (AsnContentException ex)
        {
            throw new CaException($"request {index}: CSR is not a valid PKCS#10 request ({ex.Message})", ex);
        }

        if (AcceptedSignatureOids.Contains(oid))
        {
            return;
        }

        if (oid == RsaPssOid)
        {
            var (hash, saltLength) = ReadPssParameters(parameters);
            if (hash is null || !AcceptedPssHashOids.TryGetValue(hash, out var hashLength))
            {
                throw Refused(index, $"RSASSA-PSS with hash {(hash is null ? "(unreadable parameters)" : HashName(hash))}");
            }

            // The framework verifies PSS with a salt as long as the hash (RFC 8017's recommendation, and
            // what TLS 1.3 and most signers use); any other salt length would fail as a bad signature.
            if (saltLength != hashLength)
            {
                throw new CaException($"request {index}: CSR is signed with RSASSA-PSS with a {saltLength}-byte salt, which is not accepted; use a salt as long as the hash ({hashLength} bytes; openssl: -sigopt rsa_pss_saltlen:digest)");
            }

            return;
        }

        throw Refused(index, RefusedSignatureNames.TryGetValue(oid, out var name) ? name : $"the algorithm {oid}");
    }

    private static CaException Refused(int index, string algorithm) =>
        new($"request {index}: CSR is signed with {algorithm}, which is not accepted; sign it with ECDSA or RSA using SHA-256, SHA-384 or SHA-512");

    /// <summary>
    /// The hashAlgorithm and saltLength of RSASSA-PSS-params, with their defaults (SHA-1, 20) when absent;
    /// a null hash when the parameters are missing or unreadable.
    /// </summary>
    private static (string? Hash, int SaltLength) ReadPssParameters(ReadOnlyMemory<byte>? parameters)
    {
        if (parameters is not { } encoded)
        {
            return (null, 0);
        }

        try
        {
            var pss = new AsnReader(encoded, AsnEncodingRules.DER).ReadSequence();
            var hash = "1.3.14.3.2.26"; // DEFAULT sha1
            var saltLength = 20;
            var hashTag = new Asn1Tag(TagClass.ContextSpecific, 0);
            var maskTag = new Asn1Tag(TagClass.ContextSpecific, 1);
            var saltTag = new Asn1Tag(TagClass.ContextSpecific, 2);
            if (pss.HasData && pss.PeekTag().HasSameClassAndValue(hashTag))
            {
                hash = pss.ReadSequence(hashTag).ReadSequence().ReadObjectIdentifier();
            }

            if (pss.HasData && pss.PeekTag().HasSameClassAndValue(maskTag))
            {
                pss.ReadEncodedValue();
            }

            if (pss.HasData && pss.PeekTag().HasSameClassAndValue(saltTag))
            {
                var explicitSalt = pss.ReadSequence(saltTag);
                saltLength = explicitSalt.TryReadInt32(out var value) ? value : -1;
            }

            return (hash, saltLength);
        }
        catch (AsnContentException)
        {
            return (null, 0);
        }
    }

    private static string HashName(string oid) => oid switch
    {
        "1.3.14.3.2.26" => "SHA-1",
        "2.16.840.1.101.3.4.2.4" => "SHA-224",
        "1.2.840.113549.2.5" => "MD5",
        _ => oid,
    };
}
