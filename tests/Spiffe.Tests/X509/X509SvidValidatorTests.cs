using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Spiffe.Tests.X509;

public class X509SvidValidatorTests
{
    private const string LeafId = "spiffe://example.org/web";

    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private readonly X509Certificate2 _root = TestCertificates.CreateRootCa("spiffe://example.org");
    private readonly X509BundleSet _bundles;

    public X509SvidValidatorTests()
    {
        _bundles = new X509BundleSet([new X509Bundle(TrustDomain.Parse("example.org"), [_root])]);
    }

    [Fact]
    public void Validate_WhenGoodLeafDirectlyUnderRoot_Accepts()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId);

        var result = X509SvidValidator.Validate([leaf], _bundles, _now);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(string.Empty, result.Error);
        Assert.Equal(SpiffeId.Parse(LeafId), result.Id);
        Assert.Equal([leaf.Thumbprint, _root.Thumbprint], result.VerifiedChain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Validate_WhenGoodLeafViaIntermediate_Accepts()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_root, "spiffe://example.org");
        var leaf = TestCertificates.CreateLeaf(intermediate, LeafId);

        var result = X509SvidValidator.Validate([leaf, intermediate], _bundles, _now);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(SpiffeId.Parse(LeafId), result.Id);
        Assert.Equal([leaf.Thumbprint, intermediate.Thumbprint, _root.Thumbprint], result.VerifiedChain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Validate_WhenLeafHasNoEku_AcceptsBecauseEkuIsNotEnforced()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s => s.ExtendedKeyUsages.Clear());

        Assert.True(X509SvidValidator.Validate([leaf], _bundles, _now).IsValid);
    }

    [Fact]
    public void Validate_WhenLeafHasNoUriSan_FailsNamingMissingUriSan()
    {
        var leaf = TestCertificates.CreateLeaf(_root, spiffeId: null, s => s.DnsNames.Add("web.example.org"));

        AssertRejected([leaf], "certificate has no URI SAN");
    }

    [Fact]
    public void Validate_WhenLeafHasNoSanExtension_FailsNamingMissingUriSan()
    {
        var leaf = TestCertificates.CreateLeaf(_root, spiffeId: null);

        AssertRejected([leaf], "certificate has no URI SAN");
    }

    [Fact]
    public void Validate_WhenLeafHasTwoUriSans_FailsNamingTheCount()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s => s.UriSans.Add("spiffe://example.org/other"));

        AssertRejected([leaf], "certificate has 2 URI SANs; an X509-SVID has exactly one");
    }

    [Fact]
    public void Validate_WhenLeafHasOneUriSanAndDnsNames_Accepts()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s =>
        {
            s.DnsNames.Add("web.example.org");
            s.DnsNames.Add("web");
        });

        Assert.True(X509SvidValidator.Validate([leaf], _bundles, _now).IsValid);
    }

    [Fact]
    public void Validate_WhenLeafIsCa_FailsNamingBasicConstraints()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s => s.IsCa = true);

        AssertRejected([leaf], "leaf certificate is a CA (basicConstraints cA=true)");
    }

    [Fact]
    public void Validate_WhenLeafHasKeyCertSign_FailsNamingKeyCertSign()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s => s.KeyUsage |= X509KeyUsageFlags.KeyCertSign);

        AssertRejected([leaf], "leaf certificate has keyCertSign key usage");
    }

    [Fact]
    public void Validate_WhenLeafHasCrlSign_FailsNamingCrlSign()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s => s.KeyUsage |= X509KeyUsageFlags.CrlSign);

        AssertRejected([leaf], "leaf certificate has cRLSign key usage");
    }

    [Fact]
    public void Validate_WhenLeafLacksDigitalSignature_FailsNamingDigitalSignature()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s => s.KeyUsage = X509KeyUsageFlags.KeyEncipherment);

        AssertRejected([leaf], "leaf certificate lacks digitalSignature key usage");
    }

    [Fact]
    public void Validate_WhenLeafHasNoKeyUsageExtension_FailsNamingDigitalSignature()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s => s.KeyUsage = null);

        AssertRejected([leaf], "leaf certificate lacks digitalSignature key usage");
    }

    [Fact]
    public void Validate_WhenIntermediateIsNotCa_FailsNamingTheIntermediate()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_root, configure: s => s.IsCa = false);
        var leaf = TestCertificates.CreateLeaf(intermediate, LeafId);

        AssertRejected([leaf, intermediate], "intermediate certificate 1 is not a CA");
    }

    [Fact]
    public void Validate_WhenIntermediateHasNoBasicConstraints_FailsNamingTheIntermediate()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_root, configure: s => s.IsCa = null);
        var leaf = TestCertificates.CreateLeaf(intermediate, LeafId);

        AssertRejected([leaf, intermediate], "intermediate certificate 1 is not a CA");
    }

    [Fact]
    public void Validate_WhenIntermediateLacksKeyCertSign_FailsNamingKeyCertSign()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_root, configure: s => s.KeyUsage = X509KeyUsageFlags.CrlSign);
        var leaf = TestCertificates.CreateLeaf(intermediate, LeafId);

        AssertRejected([leaf, intermediate], "intermediate certificate 1 lacks keyCertSign");
    }

    [Fact]
    public void Validate_WhenSecondIntermediateIsNotCa_FailsNamingIntermediateTwo()
    {
        var upper = TestCertificates.CreateIntermediateCa(_root, configure: s => s.IsCa = false);
        var lower = TestCertificates.CreateIntermediateCa(upper);
        var leaf = TestCertificates.CreateLeaf(lower, LeafId);

        AssertRejected([leaf, lower, upper], "intermediate certificate 2 is not a CA");
    }

    [Fact]
    public void Validate_WhenLeafIdHasRootPath_FailsNamingRootPath()
    {
        var leaf = TestCertificates.CreateLeaf(_root, "spiffe://example.org");

        AssertRejected([leaf], "SPIFFE ID spiffe://example.org has a root path; a leaf SVID needs a path");
    }

    [Theory]
    [InlineData("spiffe://example.org/", "path cannot have a trailing slash")]
    [InlineData("SPIFFE://example.org/web", "scheme is missing or invalid")]
    [InlineData("https://example.org/web", "scheme is missing or invalid")]
    [InlineData("spiffe://example.org/a/../web", "path cannot contain dot segments")]
    public void Validate_WhenUriSanIsNotAValidSpiffeId_FailsNamingTheIdDefect(string uri, string defect)
    {
        var leaf = TestCertificates.CreateLeaf(_root, uri);

        var error = AssertRejected([leaf], "is not a valid SPIFFE ID");

        Assert.Contains(defect, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenOnlyAnotherTrustDomainsBundleHoldsTheCa_FailsNamingTheMissingBundle()
    {
        var rootA = TestCertificates.CreateRootCa("spiffe://a.example");
        var leaf = TestCertificates.CreateLeaf(rootA, "spiffe://a.example/web");
        var bundles = new X509BundleSet([new X509Bundle(TrustDomain.Parse("b.example"), [rootA])]);

        var result = X509SvidValidator.Validate([leaf], bundles, _now);

        Assert.False(result.IsValid);
        Assert.Null(result.Id);
        Assert.Equal("no bundle for trust domain a.example", result.Error);
    }

    [Fact]
    public void Validate_WhenLeafOfOneTrustDomainIsSignedByAnotherTrustDomainsCa_FailsToChain()
    {
        var rootB = TestCertificates.CreateRootCa("spiffe://b.example");
        var leaf = TestCertificates.CreateLeaf(rootB, "spiffe://example.org/web");
        var bundles = new X509BundleSet(
        [
            new X509Bundle(TrustDomain.Parse("example.org"), [_root]),
            new X509Bundle(TrustDomain.Parse("b.example"), [rootB]),
        ]);

        var result = X509SvidValidator.Validate([leaf], bundles, _now);

        Assert.False(result.IsValid);
        Assert.StartsWith("does not chain to the bundle of trust domain example.org: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenLeafExpired_FailsNamingExpiry()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s =>
        {
            s.NotBefore = _now.AddHours(-2);
            s.NotAfter = _now.AddMinutes(-1);
        });

        var error = AssertRejected([leaf], "certificate expired at ");

        Assert.StartsWith("leaf certificate", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenLeafNotYetValid_FailsNamingNotBefore()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId, s =>
        {
            s.NotBefore = _now.AddMinutes(5);
            s.NotAfter = _now.AddHours(2);
        });

        AssertRejected([leaf], "certificate is not valid until ");
    }

    [Fact]
    public void Validate_WhenIntermediateExpired_FailsNamingTheIntermediate()
    {
        var intermediate = TestCertificates.CreateIntermediateCa(_root, configure: s => s.NotAfter = _now.AddSeconds(-10));
        var leaf = TestCertificates.CreateLeaf(intermediate, LeafId);

        AssertRejected([leaf, intermediate], "intermediate certificate 1: certificate expired at ");
    }

    [Fact]
    public void Validate_WhenTimeIsMovedPastExpiry_FailsEvenThoughTheCertificateIsValidToday()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId);

        var result = X509SvidValidator.Validate([leaf], _bundles, _now.AddDays(30));

        Assert.False(result.IsValid);
        Assert.Contains("certificate expired at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenSignedByUnknownCa_FailsToChain()
    {
        var stranger = TestCertificates.CreateRootCa("spiffe://example.org");
        var leaf = TestCertificates.CreateLeaf(stranger, LeafId);

        AssertRejected([leaf], "does not chain to the bundle of trust domain example.org: ");
    }

    [Fact]
    public void Validate_WhenIntermediateFromUnknownCa_FailsToChain()
    {
        var stranger = TestCertificates.CreateRootCa("spiffe://example.org");
        var intermediate = TestCertificates.CreateIntermediateCa(stranger);
        var leaf = TestCertificates.CreateLeaf(intermediate, LeafId);

        AssertRejected([leaf, intermediate], "does not chain to the bundle of trust domain example.org: ");
    }

    [Fact]
    public void Validate_WhenBundleHasNoAuthorities_FailsNamingTheEmptyBundle()
    {
        var leaf = TestCertificates.CreateLeaf(_root, LeafId);
        var bundles = new X509BundleSet([new X509Bundle(TrustDomain.Parse("example.org"), [])]);

        var result = X509SvidValidator.Validate([leaf], bundles, _now);

        Assert.False(result.IsValid);
        Assert.Contains("has no X.509 authorities", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenChainEmpty_FailsNamingEmptyChain()
    {
        AssertRejected([], "certificate chain is empty");
    }

    [Fact]
    public void Validate_WhenSanIsMalformed_FailsNamingTheSan()
    {
        var leaf = TestCertificates.CreateLeaf(_root, spiffeId: null, s =>
            s.ExtraExtensions.Add(new X509Extension(TestCertificates.SubjectAltNameOid, [0x30, 0x05, 0x86, 0x01], false)));

        AssertRejected([leaf], "unreadable subjectAltName");
    }

    private string AssertRejected(IReadOnlyList<X509Certificate2> chain, string expected)
    {
        var result = X509SvidValidator.Validate(chain, _bundles, _now);

        Assert.False(result.IsValid);
        Assert.Null(result.Id);
        Assert.Empty(result.VerifiedChain);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        return result.Error;
    }
}
