using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>
/// Reads URI subject alternative names (GeneralName <c>[6] uniformResourceIdentifier</c>), which
/// the BCL's <see cref="X509SubjectAlternativeNameExtension"/> does not expose. Values are returned
/// verbatim, without any URI normalization.
/// </summary>
public static class UriSanReader
{
    internal const string SubjectAltNameOid = "2.5.29.17";

    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>Returns every URI SAN of <paramref name="certificate"/> in encoded order; empty when there is no SAN extension.</summary>
    /// <exception cref="CryptographicException">The SAN extension is malformed or repeated.</exception>
    public static IReadOnlyList<string> ReadUris(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        X509Extension? san = null;
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == SubjectAltNameOid)
            {
                if (san is not null)
                {
                    throw new CryptographicException("certificate has more than one subjectAltName extension");
                }

                san = extension;
            }
        }

        return san is null ? [] : ReadUris(san.RawData);
    }

    /// <summary>Decodes the DER value of a subjectAltName extension and returns its URI names.</summary>
    /// <exception cref="CryptographicException">The value is not a DER GeneralNames sequence.</exception>
    public static IReadOnlyList<string> ReadUris(ReadOnlyMemory<byte> subjectAltNameDer)
    {
        try
        {
            var reader = new AsnReader(subjectAltNameDer, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var uris = new List<string>();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(UriTag))
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }

            return uris;
        }
        catch (AsnContentException e)
        {
            throw new CryptographicException($"subjectAltName extension is malformed: {e.Message}", e);
        }
    }
}
