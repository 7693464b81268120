using System.Security.Cryptography;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Spiffe.Tests.X509;

public class DerCertificatesTests
{
    [Fact]
    public void Split_OfConcat_ReturnsTheSameCertificatesInOrder()
    {
        var root = TestCertificates.CreateRootCa();
        var rsaRoot = TestCertificates.CreateRootCa(configure: s => s.KeyType = TestKeyType.Rsa2048);
        var leaf = TestCertificates.CreateLeaf(root, "spiffe://example.org/web");

        var der = DerCertificates.Concat([leaf, root, rsaRoot]);
        var split = DerCertificates.Split(der);

        Assert.Equal(leaf.RawData.Length + root.RawData.Length + rsaRoot.RawData.Length, der.Length);
        Assert.Equal([leaf.Thumbprint, root.Thumbprint, rsaRoot.Thumbprint], split.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Split_WhenEmpty_ReturnsEmpty()
    {
        Assert.Empty(DerCertificates.Split([]));
    }

    [Fact]
    public void Split_WhenTruncated_ThrowsNamingTheOffset()
    {
        var root = TestCertificates.CreateRootCa();
        var der = DerCertificates.Concat([root, root]);

        var e = Assert.Throws<CryptographicException>(() => DerCertificates.Split(der.AsSpan(0, der.Length - 1)));

        Assert.Contains($"at byte {root.RawData.Length}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_WhenNotASequence_Throws()
    {
        var e = Assert.Throws<CryptographicException>(() => DerCertificates.Split([0x04, 0x01, 0x00]));

        Assert.Contains("expected a DER SEQUENCE at byte 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToPem_ThenParsePem_RoundTripsAndSkipsOtherBlocks()
    {
        var root = TestCertificates.CreateRootCa();
        var leaf = TestCertificates.CreateLeaf(root, "spiffe://example.org/web");
        using var key = ECDsa.Create();
        var pem = DerCertificates.ToPem([leaf, root]) + key.ExportPkcs8PrivateKeyPem();

        var parsed = DerCertificates.ParsePem(pem);

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pem, StringComparison.Ordinal);
        Assert.Equal([leaf.Thumbprint, root.Thumbprint], parsed.Select(c => c.Thumbprint));
    }
}
