using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>
/// Conversions between certificate lists and the encodings SPIFFE uses: concatenated DER with no
/// separators (Workload API) and PEM.
/// </summary>
public static class DerCertificates
{
    private const string CertificateLabel = "CERTIFICATE";

    /// <summary>
    /// Splits concatenated DER certificates by reading each outer SEQUENCE's length. Empty input
    /// yields an empty list.
    /// </summary>
    /// <exception cref="CryptographicException">The data is truncated, not a SEQUENCE, or not a certificate.</exception>
    public static IReadOnlyList<X509Certificate2> Split(ReadOnlySpan<byte> concatenatedDer)
    {
        var certificates = new List<X509Certificate2>();
        var offset = 0;
        while (offset < concatenatedDer.Length)
        {
            var remaining = concatenatedDer[offset..];
            int consumed;
            try
            {
                var tag = Asn1Tag.Decode(remaining, out _);
                if (!tag.HasSameClassAndValue(Asn1Tag.Sequence) || !tag.IsConstructed)
                {
                    throw new CryptographicException($"expected a DER SEQUENCE at byte {offset}, found tag {tag}");
                }

                AsnDecoder.ReadEncodedValue(remaining, AsnEncodingRules.DER, out _, out _, out consumed);
            }
            catch (AsnContentException e)
            {
                throw new CryptographicException($"certificate data at byte {offset} is malformed or truncated: {e.Message}", e);
            }

            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(remaining[..consumed]));
            }
            catch (CryptographicException e)
            {
                throw new CryptographicException($"certificate {certificates.Count} (at byte {offset}) is not a valid X.509 certificate: {e.Message}", e);
            }

            offset += consumed;
        }

        return certificates;
    }

    /// <summary>Concatenates the DER encodings of <paramref name="certificates"/> with no separators.</summary>
    public static byte[] Concat(IEnumerable<X509Certificate2> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        using var buffer = new MemoryStream();
        foreach (var certificate in certificates)
        {
            buffer.Write(certificate.RawDataMemory.Span);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads every <c>CERTIFICATE</c> block of a PEM document; other block types are skipped.</summary>
    /// <exception cref="CryptographicException">A certificate block does not hold a valid certificate.</exception>
    public static IReadOnlyList<X509Certificate2> ParsePem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var certificates = new List<X509Certificate2>();
        var remaining = pem.AsSpan();
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            if (remaining[fields.Label].SequenceEqual(CertificateLabel))
            {
                var der = Convert.FromBase64String(remaining[fields.Base64Data].ToString());
                certificates.Add(X509CertificateLoader.LoadCertificate(der));
            }

            remaining = remaining[fields.Location.End..];
        }

        return certificates;
    }

    /// <summary>Writes the certificates as consecutive PEM <c>CERTIFICATE</c> blocks.</summary>
    public static string ToPem(IEnumerable<X509Certificate2> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var builder = new StringBuilder();
        foreach (var certificate in certificates)
        {
            builder.Append(PemEncoding.Write(CertificateLabel, certificate.RawData)).Append('\n');
        }

        return builder.ToString();
    }
}
