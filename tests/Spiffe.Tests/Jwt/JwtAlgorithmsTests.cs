using System.Security.Cryptography;
using IdentityIssuer.Spiffe.Jwt;

namespace IdentityIssuer.Spiffe.Tests.Jwt;

public class JwtAlgorithmsTests
{
    [Theory]
    [InlineData("ES256", "SHA256", JwtKeyFamily.Ecdsa)]
    [InlineData("ES384", "SHA384", JwtKeyFamily.Ecdsa)]
    [InlineData("ES512", "SHA512", JwtKeyFamily.Ecdsa)]
    [InlineData("RS256", "SHA256", JwtKeyFamily.RsaPkcs1)]
    [InlineData("RS512", "SHA512", JwtKeyFamily.RsaPkcs1)]
    [InlineData("PS384", "SHA384", JwtKeyFamily.RsaPss)]
    public void TryGetHash_ForAllowListedAlg_ReturnsHashAndFamily(string alg, string hash, JwtKeyFamily family)
    {
        Assert.True(JwtAlgorithms.TryGetHash(alg, out var name));
        Assert.Equal(hash, name.Name);
        Assert.Equal(family, JwtAlgorithms.GetKeyFamily(alg));
        Assert.True(JwtAlgorithms.IsSupported(alg));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    [InlineData("EdDSA")]
    [InlineData("es256")]
    public void TryGetHash_ForOtherAlg_Fails(string alg)
    {
        Assert.False(JwtAlgorithms.TryGetHash(alg, out _));
        Assert.Equal(JwtKeyFamily.Unspecified, JwtAlgorithms.GetKeyFamily(alg));
        Assert.False(JwtAlgorithms.IsSupported(alg));
    }

    [Fact]
    public void ForEcCurveSize_MapsNistCurvesAndRejectsOthers()
    {
        Assert.Equal("ES256", JwtAlgorithms.ForEcCurveSize(256));
        Assert.Equal("ES384", JwtAlgorithms.ForEcCurveSize(384));
        Assert.Equal("ES512", JwtAlgorithms.ForEcCurveSize(521));
        Assert.Throws<ArgumentOutOfRangeException>(() => JwtAlgorithms.ForEcCurveSize(512));
    }

    [Fact]
    public void ForKey_PicksEsByCurveAndRs256ForRsa()
    {
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        using var rsa = RSA.Create(2048);

        Assert.Equal("ES512", JwtAlgorithms.ForKey(p521));
        Assert.Equal("RS256", JwtAlgorithms.ForKey(rsa));
    }
}
