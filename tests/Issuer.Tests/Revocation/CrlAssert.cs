using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.Tests.Revocation;

/// <summary>Reads a DER CRL the way a verifier does: signature checked against the CA, then its parts.</summary>
internal static class CrlAssert
{
    /// <summary>Checks the CRL's signature with the CA's key and its issuer name; returns the revoked serials (lowercase hex) and the CRL number.</summary>
    public static (IReadOnlyList<string> Serials, BigInteger Number, DateTimeOffset NextUpdate) Verified(byte[] der, X509Certificate2 ca)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue().ToArray();
        outer.ReadSequence();
        var signature = outer.ReadBitString(out _);
        using var key = ca.GetECDsaPublicKey() ?? throw new InvalidOperationException("test CAs are ECDSA");
        Assert.True(key.VerifyData(tbs, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), "the CRL signature does not verify with the CA key");

        var tbsReader = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
        tbsReader.ReadInteger();
        tbsReader.ReadSequence();
        var issuer = tbsReader.ReadEncodedValue().ToArray();
        Assert.Equal(ca.SubjectName.RawData, issuer);

        _ = CertificateRevocationListBuilder.Load(der, out var number, out _);
        var serials = new List<string>();
        var entries = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
        entries.ReadInteger();
        entries.ReadSequence();
        entries.ReadEncodedValue();
        entries.ReadUtcTime();
        var nextUpdate = entries.ReadUtcTime();
        if (entries.HasData && entries.PeekTag() == Asn1Tag.Sequence)
        {
            var list = entries.ReadSequence();
            while (list.HasData)
            {
                var entry = list.ReadSequence();
                serials.Add(Convert.ToHexStringLower(entry.ReadIntegerBytes().Span));
            }
        }

        return (serials, number, nextUpdate);
    }
}
