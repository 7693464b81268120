using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Agent.Tests.Revocation;

/// <summary>Two test root CAs, leaves they sign, and CRLs they issue; everything made is disposed with it.</summary>
internal sealed class TestCas : IDisposable
{
    private readonly List<X509Certificate2> _made = [];

    public TestCas()
    {
        First = Track(TestCertificates.CreateRootCa());
        Second = Track(TestCertificates.CreateRootCa());
    }

    public X509Certificate2 First { get; }

    public X509Certificate2 Second { get; }

    /// <summary>A CA of its own (e.g. another key type).</summary>
    public X509Certificate2 Ca(Action<TestCertificateSpec>? configure = null) => Track(TestCertificates.CreateRootCa(configure: configure));

    /// <summary>A leaf X509-SVID for <paramref name="path"/> signed by <paramref name="ca"/>.</summary>
    public X509Certificate2 Leaf(X509Certificate2 ca, string path, Action<TestCertificateSpec>? configure = null) =>
        Track(TestCertificates.CreateLeaf(ca, "spiffe://example.org" + path, configure));

    /// <summary>A CRL signed by <paramref name="ca"/> (with its authority key identifier) listing <paramref name="revoked"/>.</summary>
    public static byte[] Crl(X509Certificate2 ca, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, DateTimeOffset.UtcNow, X509RevocationReason.KeyCompromise);
        }

        var nextUpdate = DateTimeOffset.UtcNow.AddHours(1);
        using var rsa = ca.GetRSAPrivateKey();
        return rsa is not null
            ? builder.Build(ca, BigInteger.One, nextUpdate, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : builder.Build(ca, BigInteger.One, nextUpdate, HashAlgorithmName.SHA256);
    }

    public void Dispose()
    {
        foreach (var certificate in _made)
        {
            certificate.Dispose();
        }
    }

    private X509Certificate2 Track(X509Certificate2 certificate)
    {
        _made.Add(certificate);
        return certificate;
    }
}
