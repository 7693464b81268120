using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Agent.Revocation;

/// <summary>
/// Authority ids as the issuer names them in a sync's tainted authorities and as CRLs are matched:
/// an X.509 CA is its subject key identifier in lowercase hex, which is the key identifier of the
/// authority key identifier extension of everything it signed.
/// </summary>
internal static class KeyIdentifiers
{
    /// <summary>The lowercase hex key identifier of the certificate's authority key identifier, or null when it has none.</summary>
    public static string? SignedBy(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault();
        return aki?.KeyIdentifier is { } id ? Convert.ToHexStringLower(id.Span) : null;
    }

    /// <summary>The lowercase hex subject key identifier of a CA certificate, or null when it has none.</summary>
    public static string? AuthorityId(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifier?.ToLowerInvariant();
    }

    /// <summary>The serial number in lowercase hex, as its DER integer bytes (the form CRL entries are compared in).</summary>
    public static string Serial(X509Certificate2 certificate) => Spiffe.X509.CertificateRevocationList.SerialKey(certificate);
}
