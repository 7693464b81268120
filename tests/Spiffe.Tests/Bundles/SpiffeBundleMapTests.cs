using System.Text;
using System.Text.Json.Nodes;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Spiffe.Tests.Bundles;

public class SpiffeBundleMapTests
{
    [Fact]
    public void ToJsonThenParse_RoundTripsEachTrustDomainsBundleWithoutRefreshHint()
    {
        var a = new SpiffeBundle(TrustDomain.Parse("a.example"), [TestCertificates.CreateRootCa("spiffe://a.example")], [], sequence: 1, refreshHint: TimeSpan.FromMinutes(1));
        var b = new SpiffeBundle(TrustDomain.Parse("b.example"), [], [], sequence: 2);
        var json = new SpiffeBundleMap([a, b]).ToJson();

        var map = SpiffeBundleMap.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(2, map.Bundles.Count);
        Assert.Equal(1, map.GetBundle(TrustDomain.Parse("a.example"))!.Sequence);
        Assert.Null(map.GetBundle(TrustDomain.Parse("a.example"))!.RefreshHint);
        Assert.Single(map.GetBundle(TrustDomain.Parse("a.example"))!.X509Authorities);
        Assert.Equal(2, map.GetBundle(TrustDomain.Parse("b.example"))!.Sequence);
        Assert.False(JsonNode.Parse(json)!["trust_domains"]!["a.example"]!.AsObject().ContainsKey("spiffe_refresh_hint"));
    }

    [Theory]
    [InlineData("""{"trust_domains":{"a.example":{"keys":[]},"a.example":{"keys":[]}}}""")]
    [InlineData("""{"trust_domains":{"a.example":{"keys":[]},"spiffe://a.example":{"keys":[]}}}""")]
    public void Parse_WhenTrustDomainRepeats_FailsNamingTheTrustDomain(string json)
    {
        var e = Assert.Throws<SpiffeBundleException>(() => SpiffeBundleMap.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Equal("bundle map has trust domain a.example more than once", e.Message);
    }

    [Theory]
    [InlineData("""{"trust_domains":{"A.example":{"keys":[]}}}""", "is not a trust domain")]
    [InlineData("""{"trust_domains":{"a.example":{}}}""", "bundle of trust domain a.example: bundle has no 'keys' member")]
    [InlineData("""{"other":{}}""", "'trust_domains' object")]
    public void Parse_WhenInvalid_FailsNamingTheDefect(string json, string message)
    {
        var e = Assert.Throws<SpiffeBundleException>(() => SpiffeBundleMap.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
