using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IdentityIssuer.Spiffe.Bundles;

/// <summary>The algorithm and (for EC) named curve of a DER SubjectPublicKeyInfo.</summary>
internal sealed class PublicKeyInfo
{
    internal const string EcPublicKeyOid = "1.2.840.10045.2.1";
    internal const string RsaEncryptionOid = "1.2.840.113549.1.1.1";

    private PublicKeyInfo(string algorithmOid, string? curveOid)
    {
        AlgorithmOid = algorithmOid;
        CurveOid = curveOid;
    }

    internal string AlgorithmOid { get; }

    /// <summary>The named curve OID of an EC key; null for other keys.</summary>
    internal string? CurveOid { get; }

    internal bool IsEc => AlgorithmOid == EcPublicKeyOid;

    internal bool IsRsa => AlgorithmOid == RsaEncryptionOid;

    /// <exception cref="CryptographicException">The bytes are not a DER SubjectPublicKeyInfo.</exception>
    internal static PublicKeyInfo Read(ReadOnlyMemory<byte> spki)
    {
        try
        {
            var reader = new AsnReader(spki, AsnEncodingRules.DER);
            var info = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var algorithm = info.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            string? curve = null;
            if (oid == EcPublicKeyOid && algorithm.HasData && algorithm.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
            {
                curve = algorithm.ReadObjectIdentifier();
            }

            return new PublicKeyInfo(oid, curve);
        }
        catch (AsnContentException e)
        {
            throw new CryptographicException($"subjectPublicKeyInfo is malformed: {e.Message}", e);
        }
    }
}
