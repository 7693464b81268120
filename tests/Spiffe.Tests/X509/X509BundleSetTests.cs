using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Spiffe.Tests.X509;

public class X509BundleSetTests
{
    [Fact]
    public void Add_WhenTrustDomainAlreadyPresent_ReplacesItsBundleWithoutMerging()
    {
        var td = TrustDomain.Parse("example.org");
        var first = new X509Bundle(td, [TestCertificates.CreateRootCa()]);
        var second = new X509Bundle(td, [TestCertificates.CreateRootCa()]);
        var set = new X509BundleSet([first]);

        set.Add(second);

        Assert.Equal(1, set.Count);
        Assert.Same(second, set[td]);
        Assert.Same(second, set.GetX509Bundle(TrustDomain.Parse("spiffe://example.org")));
    }

    [Fact]
    public void GetX509Bundle_WhenUnknownTrustDomain_ReturnsNull()
    {
        var set = new X509BundleSet();

        Assert.Null(set.GetX509Bundle(TrustDomain.Parse("example.org")));
        Assert.False(set.TryGetX509Bundle(TrustDomain.Parse("example.org"), out _));
        Assert.Throws<KeyNotFoundException>(() => set[TrustDomain.Parse("example.org")]);
    }

    [Fact]
    public void Remove_DropsTheBundle()
    {
        var td = TrustDomain.Parse("example.org");
        var set = new X509BundleSet([new X509Bundle(td, [])]);

        Assert.True(set.Remove(td));
        Assert.Null(set.GetX509Bundle(td));
        Assert.False(set.Remove(td));
    }
}
