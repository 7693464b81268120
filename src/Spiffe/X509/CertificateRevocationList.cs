using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>
/// A DER X.509 CRL (RFC 5280 §5), as the Workload API's <c>crl</c> fields carry them: its issuer name,
/// authority key identifier, revoked serial numbers and the signed bytes, so a verifier can match it to
/// a CA of its bundle and check its signature with that CA's key before believing it, and its
/// thisUpdate and nextUpdate, so a verifier can refuse a stale one (<see cref="FreshnessError"/>).
/// </summary>
public sealed class CertificateRevocationList
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";
    private static readonly Asn1Tag ExtensionsTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag KeyIdentifierTag = new(TagClass.ContextSpecific, 0);

    private readonly byte[] _signedPart;
    private readonly string _signatureAlgorithm;
    private readonly byte[] _signature;

    private CertificateRevocationList(byte[] der, byte[] signedPart, string signatureAlgorithm, byte[] signature, X500DistinguishedName issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, byte[]? authorityKeyId, IReadOnlySet<string> revokedSerials)
    {
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
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

    /// <summary>When the CRL was issued.</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>When the next CRL will be issued at the latest; null when the CRL does not say (RFC 5280 requires it).</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>The key identifier of its authority key identifier extension, or null when it has none.</summary>
    public byte[]? AuthorityKeyId { get; }

    /// <summary>Revoked serial numbers: lowercase hex of their DER integer bytes, as <see cref="SerialKey"/> gives them.</summary>
    public IReadOnlySet<string> RevokedSerials { get; }

    /// <summary>A certificate's serial number in the form <see cref="RevokedSerials"/> holds.</summary>
    public static string SerialKey(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(certificate.SerialNumberBytes.Span);
    }

    /// <summary>Reads a DER CRL; throws <see cref="CryptographicException"/> when it is not one.</summary>
    public static CertificateRevocationList Parse(ReadOnlyMemory<byte> der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var certificateList = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var signedPart = certificateList.PeekEncodedValue().ToArray();
            var tbs = certificateList.ReadSequence();
            var signatureAlgorithm = certificateList.ReadSequence().ReadObjectIdentifier();
            var signature = certificateList.ReadBitString(out _);
            certificateList.ThrowIfNotEmpty();

            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                tbs.ReadInteger();
            }

            if (tbs.ReadSequence().ReadObjectIdentifier() != signatureAlgorithm)
            {
                throw new CryptographicException("not a valid CRL: its two signature algorithms differ");
            }

            var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
            var thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && IsTime(tbs.PeekTag()))
            {
                nextUpdate = ReadTime(tbs);
            }

            var serials = new HashSet<string>(StringComparer.Ordinal);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var revoked = tbs.ReadSequence();
                while (revoked.HasData)
                {
                    serials.Add(Convert.ToHexStringLower(revoked.ReadSequence().ReadIntegerBytes().Span));
                }
            }

            byte[]? authorityKeyId = null;
            if (tbs.HasData && tbs.PeekTag() == ExtensionsTag)
            {
                authorityKeyId = ReadAuthorityKeyId(tbs.ReadSequence(ExtensionsTag).ReadSequence());
            }

            tbs.ThrowIfNotEmpty();
            return new CertificateRevocationList(der.ToArray(), signedPart, signatureAlgorithm, signature, issuer, thisUpdate, nextUpdate, authorityKeyId, serials);
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException($"not a DER CRL: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Null when the CRL is current at <paramref name="now"/>, else why it must not be relied on: it has
    /// no nextUpdate, it is past its nextUpdate by more than <paramref name="grace"/>, or its thisUpdate
    /// is later than <paramref name="now"/> by more than <paramref name="clockSkew"/>.
    /// </summary>
    public string? FreshnessError(DateTimeOffset now, TimeSpan grace, TimeSpan clockSkew)
    {
        if (ThisUpdate > now + clockSkew)
        {
            return $"its thisUpdate {ThisUpdate:O} is in the future (beyond {clockSkew} of clock skew)";
        }

        if (NextUpdate is not { } next)
        {
            return "it has no nextUpdate";
        }

        return now > next + grace ? $"it is past its nextUpdate {next:O} (and the grace of {grace})" : null;
    }

    /// <summary>
    /// The next moment after <paramref name="now"/> at which <see cref="FreshnessError"/> changes its
    /// answer (the CRL becomes current, or stale); null when it never will.
    /// </summary>
    public DateTimeOffset? FreshnessChangesAt(DateTimeOffset now, TimeSpan grace, TimeSpan clockSkew)
    {
        if (ThisUpdate - clockSkew > now)
        {
            return ThisUpdate - clockSkew;
        }

        return NextUpdate is { } next && next + grace >= now ? next + grace : null;
    }

    /// <summary>True when the certificate with this serial number (DER integer bytes) is listed.</summary>
    public bool IsRevoked(ReadOnlySpan<byte> serialNumber) => RevokedSerials.Contains(Convert.ToHexStringLower(serialNumber));

    /// <summary>True when <paramref name="ca"/>'s subject is the CRL issuer and, when both carry one, its subject key identifier is the CRL's authority key identifier.</summary>
    public bool NamesIssuer(X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (!ca.SubjectName.RawData.AsSpan().SequenceEqual(Issuer.RawData))
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

    /// <summary>True when the CRL's signature (ECDSA, or RSA PKCS#1 v1.5; SHA-256/384/512) verifies with <paramref name="ca"/>'s public key.</summary>
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

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
