using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.Tests.Support;

/// <summary>PKCS#10 requests for tests.</summary>
internal static class Csr
{
    /// <summary>A CSR for a new P-256 key, asking (uselessly) for its own subject and SANs.</summary>
    public static (byte[] Der, ECDsa Key) Create(string subject = "CN=ignored", string? uriSan = null, string? dns = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (uriSan is not null || dns is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            if (uriSan is not null)
            {
                san.AddUri(new Uri(uriSan));
            }

            if (dns is not null)
            {
                san.AddDnsName(dns);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        return (request.CreateSigningRequest(), key);
    }
}
