using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Gateway.Identity;

/// <summary>
/// One parsed X.509 CRL (RFC 5280 §5): issuer name, authority key identifier, revoked serials and the
/// signed part with its signature, so it can be checked against the key of the CA it names.
/// </summary>
internal sealed class RevocationList
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";
    private static readonly Asn1Tag ExtensionsTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag KeyIdentifierTag = new(TagClass.ContextSpecific, 0);

    private readonly HashSet<string> _revoked;
    private readonly byte[] _tbs;
    private readonly string _signatureAlgorithm;
    private readonly byte[] _signature;

    private RevocationList(X500DistinguishedName issuer, byte[]? authorityKeyId, HashSet<string> revoked, byte[] tbs, string signatureAlgorithm, byte[] signature)
    {
        Issuer = issuer;
        AuthorityKeyId = authorityKeyId;
        _revoked = revoked;
        _tbs = tbs;
        _signatureAlgorithm = signatureAlgorithm;
        _signature = signature;
    }

    public X500DistinguishedName Issuer { get; }

    /// <summary>The authority key identifier extension's key id, when present.</summary>
    public byte[]? AuthorityKeyId { get; }

    /// <summary>Parses a DER CRL.</summary>
    /// <exception cref="CryptographicException">The bytes are not a CRL.</exception>
    public static RevocationList Parse(ReadOnlyMemory<byte> der)
    {
        try
        {
            // The BCL's own reader checks the overall structure (and the entries) first.
            _ = CertificateRevocationListBuilder.Load(der.ToArray(), out _);
            var list = new AsnReader(der, AsnEncodingRules.DER);
            var certificateList = list.ReadSequence();
            list.ThrowIfNotEmpty();
            var tbs = certificateList.ReadEncodedValue().ToArray();
            var signatureAlgorithm = certificateList.ReadSequence().ReadObjectIdentifier();
            var signature = certificateList.ReadBitString(out _);
            certificateList.ThrowIfNotEmpty();

            var reader = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
            if (reader.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                reader.ReadInteger();
            }

            var innerAlgorithm = reader.ReadSequence().ReadObjectIdentifier();
            if (innerAlgorithm != signatureAlgorithm)
            {
                throw new CryptographicException("the CRL's two signature algorithms differ");
            }

            var issuer = new X500DistinguishedName(reader.ReadEncodedValue().Span);
            ReadTime(reader);
            if (reader.HasData && IsTime(reader.PeekTag()))
            {
                ReadTime(reader);
            }

            var revoked = new HashSet<string>(StringComparer.Ordinal);
            if (reader.HasData && reader.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = reader.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    revoked.Add(SerialKey(entry.ReadIntegerBytes().Span));
                }
            }

            byte[]? aki = null;
            if (reader.HasData && reader.PeekTag() == ExtensionsTag)
            {
                aki = ReadAuthorityKeyId(reader.ReadSequence(ExtensionsTag).ReadSequence());
            }

            return new RevocationList(issuer, aki, revoked, tbs, signatureAlgorithm, signature);
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException($"not a DER CRL: {ex.Message}", ex);
        }
    }

    /// <summary>True when <paramref name="serialNumber"/> (big-endian) is listed.</summary>
    public bool IsRevoked(ReadOnlySpan<byte> serialNumber) => _revoked.Contains(SerialKey(serialNumber));

    /// <summary>True when the CRL's signature verifies with <paramref name="ca"/>'s public key.</summary>
    public bool IsSignedBy(X509Certificate2 ca)
    {
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
            if (_signatureAlgorithm.StartsWith("1.2.840.10045", StringComparison.Ordinal))
            {
                using var ec = ca.GetECDsaPublicKey();
                return ec is not null && ec.VerifyData(_tbs, _signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }

            using var rsa = ca.GetRSAPublicKey();
            return rsa is not null && rsa.VerifyData(_tbs, _signature, hash, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Whether this CRL claims to come from <paramref name="ca"/>: same name, and same key id when both carry one.</summary>
    public bool NamesIssuer(X509Certificate2 ca)
    {
        if (!Issuer.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData))
        {
            return false;
        }

        if (AuthorityKeyId is null)
        {
            return true;
        }

        var ski = ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        return ski is null || ski.SubjectKeyIdentifierBytes.Span.SequenceEqual(AuthorityKeyId);
    }

    private static byte[]? ReadAuthorityKeyId(AsnReader extensions)
    {
        while (extensions.HasData)
        {
            var extension = extensions.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
            {
                extension.ReadBoolean();
            }

            var value = extension.ReadOctetString();
            if (oid != AuthorityKeyIdentifierOid)
            {
                continue;
            }

            var aki = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
            return aki.HasData && aki.PeekTag() == KeyIdentifierTag ? aki.ReadOctetString(KeyIdentifierTag) : null;
        }

        return null;
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

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

    /// <summary>Serials compared as lower-case hex without leading zero bytes.</summary>
    private static string SerialKey(ReadOnlySpan<byte> serial)
    {
        while (serial.Length > 1 && serial[0] == 0)
        {
            serial = serial[1..];
        }

        return Convert.ToHexStringLower(serial);
    }
}
