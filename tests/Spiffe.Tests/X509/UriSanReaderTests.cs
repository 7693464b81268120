using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Spiffe.Tests.X509;

public class UriSanReaderTests
{
    [Fact]
    public void ReadUris_ReturnsUriNamesVerbatimAndSkipsOtherNames()
    {
        var root = TestCertificates.CreateRootCa(spiffeId: null);
        var leaf = TestCertificates.CreateLeaf(root, "spiffe://example.org", s =>
        {
            s.UriSans.Add("SPIFFE://Example.org/a/../b");
            s.DnsNames.Add("web.example.org");
        });

        var uris = UriSanReader.ReadUris(leaf);

        // No normalization: no trailing slash added, case and dot segments kept.
        Assert.Equal(["spiffe://example.org", "SPIFFE://Example.org/a/../b"], uris);
    }

    [Fact]
    public void ReadUris_WhenNoSanExtension_ReturnsEmpty()
    {
        Assert.Empty(UriSanReader.ReadUris(TestCertificates.CreateRootCa(spiffeId: null)));
    }

    [Theory]
    [InlineData(new byte[] { 0x30, 0x05, 0x86, 0x01 })]
    [InlineData(new byte[] { 0x04, 0x00 })]
    [InlineData(new byte[] { 0x30, 0x03, 0x86, 0x01, 0x61, 0x00 })]
    public void ReadUris_WhenSanIsMalformed_ThrowsNamingTheSan(byte[] der)
    {
        var e = Assert.Throws<CryptographicException>(() => UriSanReader.ReadUris(der));

        Assert.StartsWith("subjectAltName extension is malformed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadUris_ReadsSanOfCertificateBuiltByTheBcl()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("x.example");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));

        Assert.Empty(UriSanReader.ReadUris(certificate));
    }
}
