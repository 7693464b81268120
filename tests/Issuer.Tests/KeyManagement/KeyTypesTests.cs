using System.Security.Cryptography;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public sealed class KeyTypesTests
{
    [Theory]
    [InlineData("ec-p256", KeyType.EcP256)]
    [InlineData("ec-p384", KeyType.EcP384)]
    [InlineData("rsa-2048", KeyType.Rsa2048)]
    [InlineData("rsa-4096", KeyType.Rsa4096)]
    [InlineData("EC-P256", KeyType.EcP256)]
    public void Parse_ConfigName_ReturnsKeyTypeThatFormatsBack(string name, KeyType expected)
    {
        Assert.Equal(expected, KeyTypes.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), KeyTypes.Format(expected));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("p256")]
    [InlineData("rsa-1024")]
    [InlineData("Unspecified")]
    public void Parse_UnknownName_ThrowsNamingTheAllowedValues(string? name)
    {
        var e = Assert.Throws<FormatException>(() => KeyTypes.Parse(name));

        Assert.Contains("ec-p256, ec-p384, rsa-2048, rsa-4096", e.Message, StringComparison.Ordinal);
        Assert.False(KeyTypes.TryParse(name, out _));
    }

    [Theory]
    [InlineData(KeyType.EcP256, "ES256", "SHA256")]
    [InlineData(KeyType.EcP384, "ES384", "SHA384")]
    [InlineData(KeyType.Rsa2048, "RS256", "SHA256")]
    [InlineData(KeyType.Rsa4096, "RS256", "SHA256")]
    public void JwtAlgorithmAndDefaultHash_MatchTheKeyType(KeyType keyType, string jwtAlgorithm, string hash)
    {
        Assert.Equal(jwtAlgorithm, KeyTypes.JwtAlgorithm(keyType));
        Assert.Equal(new HashAlgorithmName(hash), KeyTypes.DefaultHash(keyType));
    }

    [Theory]
    [InlineData(KeyType.Unspecified)]
    [InlineData((KeyType)42)]
    public void EveryHelper_WithUnspecifiedKeyType_Throws(KeyType keyType)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyTypes.Format(keyType));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyTypes.JwtAlgorithm(keyType));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyTypes.DefaultHash(keyType));
        Assert.Throws<ArgumentException>(() => KeyTypes.ThrowIfUnsupported(keyType, "keyType"));
    }
}
