using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Agent.Revocation;

/// <summary>
/// A DER X.509 CRL (RFC 5280 §5) read with <see cref="AsnReader"/>: its issuer name, authority key
/// identifier, revoked serial numbers and the signed bytes, so it can be matched to a CA and its
/// signature checked against that CA's public key.
/// </summary>
internal sealed class CertificateRevocationList
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";

    private readonly byte[] _signedPart;
    private readonly string _signatureAlgorithm;
    private readonly byte[] _signature;

    private CertificateRevocationList(byte[] der, byte[] signedPart, string signatureAlgorithm, byte[] signature, X500DistinguishedName issuer, string? authorityKeyId, IReadOnlySet<string> revokedSerials)
    {
        Der = der;
        _signedPart = signedPart;
        _signatureAlgorithm = signatureAlgorithm;
        _signature = signature;
        Issuer = issuer;
        AuthorityKeyId = authorityKeyId;
        RevokedSerials = revokedSerials;
    }

    /// <summary>The CRL as received.</summary>
    public byte[] Der { get; }

    /// <summary>The issuer name.</summary>
    public X500DistinguishedName Issuer { get; }

    /// <summary>The key identifier of its authority key identifier extension (lowercase hex), or null.</summary>
    public string? AuthorityKeyId { get; }

    /// <summary>Revoked serial numbers, lowercase hex of their DER integer bytes.</summary>
    public IReadOnlySet<string> RevokedSerials { get; }

    /// <summary>Reads a DER CRL; throws <see cref="CryptographicException"/> when it is not one.</summary>
    public static CertificateRevocationList Parse(byte[] der)
    {
        ArgumentNullException.ThrowIfNull(der);
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var certList = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var signedPart = certList.PeekEncodedValue().ToArray();
            var tbs = certList.ReadSequence();
            var algorithm = certList.ReadSequence();
            var signatureAlgorithm = algorithm.ReadObjectIdentifier();
            var signature = certList.ReadBitString(out _);
            certList.ThrowIfNotEmpty();

            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                tbs.ReadInteger();
            }

            tbs.ReadSequence();
            var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
            ReadTime(tbs);
            if (tbs.HasData && IsTime(tbs.PeekTag()))
            {
                ReadTime(tbs);
            }

            var serials = new HashSet<string>(StringComparer.Ordinal);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var revoked = tbs.ReadSequence();
                while (revoked.HasData)
                {
                    var entry = revoked.ReadSequence();
                    serials.Add(Convert.ToHexStringLower(entry.ReadIntegerBytes().Span));
                }
            }

            string? authorityKeyId = null;
            var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(extensionsTag))
            {
                var extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
                while (extensions.HasData)
                {
                    var extension = extensions.ReadSequence();
                    var oid = extension.ReadObjectIdentifier();
                    var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
                    var value = extension.ReadOctetString();
                    if (oid == AuthorityKeyIdentifierOid)
                    {
                        var aki = new X509AuthorityKeyIdentifierExtension(value, critical);
                        authorityKeyId = aki.KeyIdentifier is { } id ? Convert.ToHexStringLower(id.Span) : null;
                    }
                }
            }

            tbs.ThrowIfNotEmpty();
            return new CertificateRevocationList(der, signedPart, signatureAlgorithm, signature, issuer, authorityKeyId, serials);
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException($"not a DER CRL: {ex.Message}", ex);
        }
    }

    /// <summary>True when <paramref name="ca"/>'s subject is the CRL issuer and its key identifier, when the CRL names one, matches.</summary>
    public bool NamesIssuer(X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (!ca.SubjectName.RawData.AsSpan().SequenceEqual(Issuer.RawData))
        {
            return false;
        }

        return AuthorityKeyId is null || string.Equals(AuthorityKeyId, KeyIdentifiers.AuthorityId(ca), StringComparison.Ordinal);
    }

    /// <summary>True when the CRL's signature verifies with <paramref name="ca"/>'s public key.</summary>
    public bool IsSignedBy(X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var hash = _signatureAlgorithm switch
        {
            "1.2.840.10045.4.3.2" or "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
            "1.2.840.10045.4.3.3" or "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
            "1.2.840.10045.4.3.4" or "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (hash == default)
        {
            return false;
        }

        try
        {
            if (_signatureAlgorithm.StartsWith("1.2.840.10045.", StringComparison.Ordinal))
            {
                using var ec = ca.GetECDsaPublicKey();
                return ec is not null && ec.VerifyData(_signedPart, _signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }

            using var rsa = ca.GetRSAPublicKey();
            return rsa is not null && rsa.VerifyData(_signedPart, _signature, hash, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static void ReadTime(AsnReader reader)
    {
        if (reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            reader.ReadUtcTime();
        }
        else
        {
            reader.ReadGeneralizedTime();
        }
    }
}
