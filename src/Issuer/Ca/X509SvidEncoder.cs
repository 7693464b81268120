using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// Encodes and signs an X.509 v3 certificate exactly as <see cref="CertificateRequest.Create(X500DistinguishedName, X509SignatureGenerator, DateTimeOffset, DateTimeOffset, byte[])"/>
/// does, but returns the DER instead of loading it into an <see cref="X509Certificate2"/>: that load
/// parses the certificate and its key in OpenSSL again and cost more than signing it.
/// </summary>
internal static class X509SvidEncoder
{
    /// <summary>
    /// The DER certificate. Validity times are written as UTCTime for 1950..2049 and GeneralizedTime
    /// otherwise, whole seconds (RFC 5280 section 4.1.2.5); extensions keep their order.
    /// </summary>
    public static byte[] Encode(
        X500DistinguishedName issuer,
        X500DistinguishedName subject,
        PublicKey publicKey,
        IReadOnlyList<X509Extension> extensions,
        ReadOnlySpan<byte> serialNumber,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        X509SignatureGenerator generator,
        HashAlgorithmName hashAlgorithm)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(extensions);
        ArgumentNullException.ThrowIfNull(generator);
        if (notAfter < notBefore)
        {
            throw new ArgumentException("The provided notBefore value is later than the notAfter value.");
        }

        if (serialNumber.IsEmpty)
        {
            throw new ArgumentException("The serial number must not be empty.", nameof(serialNumber));
        }

        var signatureAlgorithm = generator.GetSignatureAlgorithmIdentifier(hashAlgorithm);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                writer.WriteInteger(2);
            }

            WriteSerialNumber(writer, serialNumber);
            writer.WriteEncodedValue(signatureAlgorithm);
            writer.WriteEncodedValue(issuer.RawData);
            using (writer.PushSequence())
            {
                WriteTime(writer, notBefore);
                WriteTime(writer, notAfter);
            }

            writer.WriteEncodedValue(subject.RawData);
            writer.WriteEncodedValue(publicKey.ExportSubjectPublicKeyInfo());
            if (extensions.Count > 0)
            {
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
                using (writer.PushSequence())
                {
                    foreach (var extension in extensions)
                    {
                        WriteExtension(writer, extension);
                    }
                }
            }
        }

        var toBeSigned = writer.Encode();
        var signature = generator.SignData(toBeSigned, hashAlgorithm);
        writer.Reset();
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(toBeSigned);
            writer.WriteEncodedValue(signatureAlgorithm);
            writer.WriteBitString(signature);
        }

        return writer.Encode();
    }

    /// <summary>An unsigned big-endian integer: a leading zero added when the top bit is set, redundant ones removed.</summary>
    private static void WriteSerialNumber(AsnWriter writer, ReadOnlySpan<byte> serialNumber)
    {
        if (serialNumber[0] >= 0x80)
        {
            writer.WriteIntegerUnsigned(serialNumber);
            return;
        }

        var leadingZeros = 0;
        while (leadingZeros < serialNumber.Length - 1 && serialNumber[leadingZeros] == 0 && serialNumber[leadingZeros + 1] < 0x80)
        {
            leadingZeros++;
        }

        writer.WriteInteger(serialNumber[leadingZeros..]);
    }

    private static void WriteTime(AsnWriter writer, DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        if (utc.Year is >= 1950 and < 2050)
        {
            writer.WriteUtcTime(utc);
        }
        else
        {
            writer.WriteGeneralizedTime(utc, omitFractionalSeconds: true);
        }
    }

    private static void WriteExtension(AsnWriter writer, X509Extension extension)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(extension.Oid!.Value!);
            if (extension.Critical)
            {
                writer.WriteBoolean(true);
            }

            writer.WriteOctetString(extension.RawData);
        }
    }
}
