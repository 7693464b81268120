using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Gateway.Tests.Identity;

/// <summary>A trust domain with a CA, the gateway's own SVID and helpers for CRLs, as the Workload API would hand them over.</summary>
internal sealed class TestIdentity
{
    public TestIdentity(string trustDomain = "example.org")
    {
        Ca = TestCertificates.CreateRootCa("spiffe://" + trustDomain);
        Server = TestCertificates.CreateLeaf(Ca, $"spiffe://{trustDomain}/gateway");
        Bundles = new X509BundleSet([new X509Bundle(TrustDomain.Parse(trustDomain), [Ca])]);
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509BundleSet Bundles { get; }

    public WorkloadIdentity With(params byte[][] crls) => new(Server, [], Bundles, RevocationSet.Parse(crls));

    public X509Certificate2 Leaf(string path) => TestCertificates.CreateLeaf(Ca, "spiffe://example.org" + path);

    /// <summary>A CRL signed by <paramref name="ca"/> listing <paramref name="revoked"/>.</summary>
    public static byte[] Crl(X509Certificate2 ca, params X509Certificate2[] revoked) =>
        Crl(ca, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), revoked);

    /// <summary>A CRL signed by <paramref name="ca"/> with the given thisUpdate and nextUpdate.</summary>
    public static byte[] Crl(X509Certificate2 ca, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, thisUpdate.AddMinutes(-1));
        }

        return builder.Build(ca, 1, nextUpdate, System.Security.Cryptography.HashAlgorithmName.SHA256, thisUpdate: thisUpdate);
    }
}
