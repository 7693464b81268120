using System.Security.Cryptography;
using System.Text.Json;
using IdentityIssuer.Spiffe.Bundles;

namespace IdentityIssuer.Spiffe.Tests.Bundles;

public class JwkTests
{
    public static TheoryData<string, string, int> Curves() => new()
    {
        { "1.2.840.10045.3.1.7", "P-256", 32 },
        { "1.3.132.0.34", "P-384", 48 },
        { "1.3.132.0.35", "P-521", 66 },
    };

    [Theory]
    [MemberData(nameof(Curves))]
    public void FromSubjectPublicKeyInfo_ForEcKey_WritesCurveAndFixedSizeCoordinatesThatRoundTrip(string oid, string crv, int size)
    {
        using var ec = ECDsa.Create(ECCurve.CreateFromValue(oid));
        var spki = ec.ExportSubjectPublicKeyInfo();

        var jwk = Jwk.FromSubjectPublicKeyInfo(spki, "k", "jwt-svid");

        Assert.Equal("EC", (string?)jwk["kty"]);
        Assert.Equal(crv, (string?)jwk["crv"]);
        Assert.Equal(size, Convert.FromBase64String(ToStd((string)jwk["x"]!)).Length);
        Assert.Equal(size, Convert.FromBase64String(ToStd((string)jwk["y"]!)).Length);
        Assert.Equal(spki, Jwk.ToSubjectPublicKeyInfo(ToElement(jwk.ToJsonString())));
    }

    [Fact]
    public void FromSubjectPublicKeyInfo_ForRsaKey_WritesModulusAndExponentThatRoundTrip()
    {
        using var rsa = RSA.Create(3072);
        var spki = rsa.ExportSubjectPublicKeyInfo();

        var jwk = Jwk.FromSubjectPublicKeyInfo(spki, null, null);

        Assert.Equal("RSA", (string?)jwk["kty"]);
        Assert.Equal("AQAB", (string?)jwk["e"]);
        Assert.False(jwk.ContainsKey("kid"));
        Assert.False(jwk.ContainsKey("use"));
        Assert.Equal(spki, Jwk.ToSubjectPublicKeyInfo(ToElement(jwk.ToJsonString())));
    }

    [Theory]
    [InlineData("""{"kty":"oct","k":"AAAA"}""", "unsupported JWK key type 'oct'")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"AAAA"}""", "unsupported JWK key type 'OKP'")]
    [InlineData("""{"crv":"P-256"}""", "JWK has no kty")]
    [InlineData("""{"kty":"EC","crv":"secp256k1","x":"AAAA","y":"AAAA"}""", "unsupported EC curve 'secp256k1'")]
    [InlineData("""{"kty":"EC","x":"AAAA","y":"AAAA"}""", "EC JWK has no crv")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}""", "must be 32 bytes for P-256")]
    [InlineData("""{"kty":"RSA","e":"AQAB"}""", "RSA JWK has no 'n'")]
    [InlineData("""{"kty":"RSA","n":"AQAB=","e":"AQAB"}""", "not unpadded base64url")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","d":"AAAA"}""", "private key material")]
    public void ToSubjectPublicKeyInfo_WhenUnsupportedOrMalformed_ThrowsNamingTheDefect(string json, string message)
    {
        var e = Assert.Throws<SpiffeBundleException>(() => Jwk.ToSubjectPublicKeyInfo(ToElement(json)));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToSubjectPublicKeyInfo_WhenPointIsNotOnCurve_Throws()
    {
        var x = Convert.ToBase64String(new byte[32]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var json = $$"""{"kty":"EC","crv":"P-256","x":"{{x}}","y":"{{x}}"}""";

        Assert.Throws<SpiffeBundleException>(() => Jwk.ToSubjectPublicKeyInfo(ToElement(json)));
    }

    [Fact]
    public void JwtAuthority_ImportPublicKey_ReturnsEcdsaOrRsa()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);

        using var ecKey = new JwtAuthority("e", ec.ExportSubjectPublicKeyInfo()).ImportPublicKey();
        using var rsaKey = new JwtAuthority("r", rsa.ExportSubjectPublicKeyInfo()).ImportPublicKey();

        Assert.Equal(384, Assert.IsAssignableFrom<ECDsa>(ecKey).KeySize);
        Assert.IsAssignableFrom<RSA>(rsaKey);
    }

    [Fact]
    public void JwtAuthority_WhenKeyIdEmptyOrKeyUnsupported_Throws()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var dh = ECDiffieHellman.Create(ECCurve.CreateFromFriendlyName("brainpoolP256r1"));

        Assert.Throws<ArgumentException>(() => new JwtAuthority(string.Empty, ec.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => new JwtAuthority("k", dh.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => new JwtAuthority("k", [1, 2, 3]));
    }

    private static JsonElement ToElement(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string ToStd(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }
}
