using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>Certificate pieces built by hand so that no URI passes through <see cref="Uri"/> (which rewrites them).</summary>
internal static class X509Extensions
{
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>A SubjectAltName with one URI (the SPIFFE ID, written byte for byte) and any DNS names.</summary>
    public static X509Extension SubjectAltName(string uri, IEnumerable<string> dnsNames, bool critical)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
            foreach (var dns in dnsNames)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, dns, new Asn1Tag(TagClass.ContextSpecific, 2));
            }
        }

        return new X509Extension(new Oid(SubjectAltNameOid, "Subject Alternative Name"), writer.Encode(), critical);
    }

    /// <summary>A random positive 128-bit serial number with a non-zero first byte.</summary>
    public static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        if (serial[0] == 0)
        {
            serial[0] = 0x01;
        }

        return serial;
    }

    /// <summary>Builds an X.500 name from its string form and appends extra relative names.</summary>
    public static X500DistinguishedName NameWith(string baseName, string? commonName = null, string? serialNumber = null)
    {
        var parsed = new X500DistinguishedName(baseName);
        var builder = new X500DistinguishedNameBuilder();
        foreach (var rdn in parsed.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            var oid = rdn.GetSingleElementType();
            var value = rdn.GetSingleElementValue() ?? string.Empty;
            builder.Add(oid.Value!, value);
        }

        if (serialNumber is not null)
        {
            builder.Add("2.5.4.5", serialNumber, UniversalTagNumber.PrintableString);
        }

        if (commonName is not null)
        {
            builder.AddCommonName(commonName);
        }

        return builder.Build();
    }

    /// <summary>Describes a public key as the issuance record does: ec-p256, ec-p384, ec-p521, rsa-2048, …; anything else is "unsupported".</summary>
    public static string DescribeKey(PublicKey key)
    {
        if (key.Oid.Value == "1.2.840.10045.2.1")
        {
            return DescribeEcCurve(key);
        }

        using var rsa = key.GetRSAPublicKey();
        return rsa is not null ? $"rsa-{rsa.KeySize}" : "unsupported";
    }

    /// <summary>
    /// Names an EC key's curve by the named-curve OID in its parameters (no key import): a 256-bit key
    /// on another curve (secp256k1, brainpool) is not P-256.
    /// </summary>
    public static string DescribeEcCurve(PublicKey key)
    {
        try
        {
            var parameters = key.EncodedParameters?.RawData;
            if (parameters is null)
            {
                return "unsupported";
            }

            var oid = new AsnReader(parameters, AsnEncodingRules.DER).ReadObjectIdentifier();
            return oid switch
            {
                "1.2.840.10045.3.1.7" => "ec-p256",
                "1.3.132.0.34" => "ec-p384",
                "1.3.132.0.35" => "ec-p521",
                _ => "unsupported",
            };
        }
        catch (AsnContentException)
        {
            return "unsupported";
        }
    }
}
