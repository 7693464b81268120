using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Spiffe.Tests.X509;

public class X509SvidTests
{
    private readonly X509Certificate2 _root = TestCertificates.CreateRootCa("spiffe://example.org");

    [Fact]
    public void Parse_WhenGoodChain_ReturnsIdLeafChainAndHint()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_root);
        var leaf = TestCertificates.CreateLeaf(intermediate, "spiffe://example.org/web");

        var svid = X509Svid.Parse([leaf, intermediate], "internal");

        Assert.Equal(SpiffeId.Parse("spiffe://example.org/web"), svid.Id);
        Assert.Same(leaf, svid.Leaf);
        Assert.Equal([leaf, intermediate], svid.Chain);
        Assert.Equal("internal", svid.Hint);
        Assert.Equal(string.Empty, X509Svid.Parse([leaf]).Hint);
    }

    [Fact]
    public void Parse_WhenLeafExpired_StillParsesBecauseParseIgnoresDates()
    {
        var leaf = TestCertificates.CreateLeaf(_root, "spiffe://example.org/web", s =>
        {
            s.NotBefore = DateTimeOffset.UtcNow.AddYears(-2);
            s.NotAfter = DateTimeOffset.UtcNow.AddYears(-1);
        });

        Assert.Equal("/web", X509Svid.Parse([leaf]).Id.Path);
    }

    public static TheoryData<string, string> LeafDefects() => new()
    {
        { "no-uri", "certificate has no URI SAN" },
        { "two-uris", "certificate has 2 URI SANs; an X509-SVID has exactly one" },
        { "ca", "leaf certificate is a CA (basicConstraints cA=true)" },
        { "key-cert-sign", "leaf certificate has keyCertSign key usage" },
        { "crl-sign", "leaf certificate has cRLSign key usage" },
        { "no-digital-signature", "leaf certificate lacks digitalSignature key usage" },
        { "root-path", "SPIFFE ID spiffe://example.org has a root path; a leaf SVID needs a path" },
    };

    [Theory]
    [MemberData(nameof(LeafDefects))]
    public void Parse_WhenLeafHasDefect_ThrowsNamingTheDefect(string defect, string message)
    {
        var leaf = TestCertificates.CreateLeaf(_root, "spiffe://example.org/web", s =>
        {
            switch (defect)
            {
                case "no-uri":
                    s.UriSans.Clear();
                    break;
                case "two-uris":
                    s.UriSans.Add("spiffe://example.org/db");
                    break;
                case "ca":
                    s.IsCa = true;
                    break;
                case "key-cert-sign":
                    s.KeyUsage |= X509KeyUsageFlags.KeyCertSign;
                    break;
                case "crl-sign":
                    s.KeyUsage |= X509KeyUsageFlags.CrlSign;
                    break;
                case "no-digital-signature":
                    s.KeyUsage = X509KeyUsageFlags.KeyAgreement;
                    break;
                case "root-path":
                    s.UriSans[0] = "spiffe://example.org";
                    break;
            }
        });

        var e = Assert.Throws<X509SvidException>(() => X509Svid.Parse([leaf]));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenIntermediateIsNotCa_ThrowsNamingTheIntermediate()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_root, configure: s => s.IsCa = false);
        var leaf = TestCertificates.CreateLeaf(intermediate, "spiffe://example.org/web");

        var e = Assert.Throws<X509SvidException>(() => X509Svid.Parse([leaf, intermediate]));

        Assert.Contains("intermediate certificate 1 is not a CA", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenIntermediateLacksKeyCertSign_ThrowsNamingKeyCertSign()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_root, configure: s => s.KeyUsage = X509KeyUsageFlags.DigitalSignature);
        var leaf = TestCertificates.CreateLeaf(intermediate, "spiffe://example.org/web");

        var e = Assert.Throws<X509SvidException>(() => X509Svid.Parse([leaf, intermediate]));

        Assert.Contains("intermediate certificate 1 lacks keyCertSign", e.Message, StringComparison.Ordinal);
    }
}
