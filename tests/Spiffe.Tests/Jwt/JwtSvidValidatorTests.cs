using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.Jwt;

namespace IdentityIssuer.Spiffe.Tests.Jwt;

public sealed class JwtSvidValidatorTests : IDisposable
{
    private const string Subject = "spiffe://example.org/web";

    private static readonly string[] Audience = ["spiffe://example.org/db"];

    private readonly DateTimeOffset _now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ECDsa _p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _otherDomainKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly JwtBundleSet _bundles;

    public JwtSvidValidatorTests()
    {
        _bundles = new JwtBundleSet(
        [
            new SpiffeBundle(
                TrustDomain.Parse("example.org"),
                [],
                [
                    new JwtAuthority("p256", _p256.ExportSubjectPublicKeyInfo()),
                    new JwtAuthority("p384", _p384.ExportSubjectPublicKeyInfo()),
                    new JwtAuthority("p521", _p521.ExportSubjectPublicKeyInfo()),
                    new JwtAuthority("rsa", _rsa.ExportSubjectPublicKeyInfo()),
                ]),
            new SpiffeBundle(
                TrustDomain.Parse("other.example"),
                [],
                [new JwtAuthority("other", _otherDomainKey.ExportSubjectPublicKeyInfo())]),
        ]);
    }

    public void Dispose()
    {
        _p256.Dispose();
        _p384.Dispose();
        _p521.Dispose();
        _rsa.Dispose();
        _otherDomainKey.Dispose();
    }

    [Theory]
    [InlineData("ES256", "p256")]
    [InlineData("ES384", "p384")]
    [InlineData("ES512", "p521")]
    [InlineData("RS256", "rsa")]
    [InlineData("RS384", "rsa")]
    [InlineData("RS512", "rsa")]
    [InlineData("PS256", "rsa")]
    [InlineData("PS384", "rsa")]
    [InlineData("PS512", "rsa")]
    public void Validate_WhenValidTokenForEachAlgorithm_Accepts(string alg, string kid)
    {
        var token = TestJwt.Sign(Header(alg, kid), Claims(), KeyFor(kid));

        var result = Validate(token);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(string.Empty, result.Error);
        Assert.Equal(SpiffeId.Parse(Subject), result.Id);
        Assert.Equal(Audience, result.Audience);
        Assert.Equal(_now.AddMinutes(5), result.ExpiresAt);
        Assert.Equal(Subject, result.Claims.GetProperty("sub").GetString());
    }

    [Fact]
    public void Validate_WhenAudIsSingleString_AcceptsAndReturnsItAsList()
    {
        var claims = Claims();
        claims["aud"] = "spiffe://example.org/db";

        var result = Validate(TestJwt.Sign(Header("ES256", "p256"), claims, _p256));

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(["spiffe://example.org/db"], result.Audience);
    }

    [Fact]
    public void Validate_WhenAudArrayOverlapsExpected_Accepts()
    {
        var claims = Claims();
        claims["aud"] = new JsonArray("other", "spiffe://example.org/db");

        var result = JwtSvidValidator.Validate(TestJwt.Sign(Header("ES256", "p256"), claims, _p256), ["x", "spiffe://example.org/db"], _bundles, _now);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(["other", "spiffe://example.org/db"], result.Audience);
    }

    [Fact]
    public void Validate_WhenTypIsJoseOrAbsent_Accepts()
    {
        var jose = Header("ES256", "p256");
        jose["typ"] = "JOSE";
        var none = Header("ES256", "p256");
        none.Remove("typ");

        Assert.True(Validate(TestJwt.Sign(jose, Claims(), _p256)).IsValid);
        Assert.True(Validate(TestJwt.Sign(none, Claims(), _p256)).IsValid);
    }

    [Fact]
    public void Validate_WhenAlgNone_RejectsNamingAlg()
    {
        var token = TestJwt.Unsigned(new JsonObject { ["alg"] = "none", ["kid"] = "p256", ["typ"] = "JWT" }, Claims());

        AssertRejected(token, "alg 'none' is not allowed");
    }

    [Fact]
    public void Validate_WhenAlgHs256_RejectsNamingAlg()
    {
        var header = Header("HS256", "p256");
        var input = TestJwt.Encode(header.ToJsonString()) + "." + TestJwt.Encode(Claims().ToJsonString());
        var mac = HMACSHA256.HashData(_p256.ExportSubjectPublicKeyInfo(), Encoding.ASCII.GetBytes(input));
        var token = input + "." + System.Buffers.Text.Base64Url.EncodeToString(mac);

        AssertRejected(token, "alg 'HS256' is not allowed");
    }

    [Theory]
    [InlineData("EdDSA")]
    [InlineData("es256")]
    [InlineData("ES256K")]
    [InlineData("RSA-OAEP")]
    public void Validate_WhenAlgNotAllowListed_RejectsNamingAlg(string alg)
    {
        var token = TestJwt.Sign(Header(alg, "p256"), Claims(), _p256);

        AssertRejected(token, $"alg '{alg}' is not allowed");
    }

    [Fact]
    public void Validate_WhenAlgNoneAndOtherDefects_ReportsAlgFirst()
    {
        var header = new JsonObject { ["alg"] = "none", ["jku"] = "https://evil.example/jwks" };

        AssertRejected(TestJwt.Unsigned(header, new JsonObject()), "alg 'none' is not allowed");
    }

    [Theory]
    [InlineData("jku")]
    [InlineData("jwk")]
    [InlineData("x5u")]
    [InlineData("x5c")]
    [InlineData("crit")]
    [InlineData("cty")]
    [InlineData("b64")]
    public void Validate_WhenHeaderHasOtherParameter_RejectsNamingIt(string name)
    {
        var header = Header("ES256", "p256");
        header[name] = "x";

        AssertRejected(TestJwt.Sign(header, Claims(), _p256), $"header parameter '{name}' is not allowed");
    }

    [Theory]
    [InlineData("jwt")]
    [InlineData("at+jwt")]
    [InlineData("JWS")]
    [InlineData("")]
    public void Validate_WhenTypIsNotJwtOrJose_RejectsNamingTyp(string typ)
    {
        var header = Header("ES256", "p256");
        header["typ"] = typ;

        AssertRejected(TestJwt.Sign(header, Claims(), _p256), "is not allowed; expected JWT or JOSE");
    }

    [Fact]
    public void Validate_WhenKidMissing_RejectsNamingKeyId()
    {
        var header = Header("ES256", "p256");
        header.Remove("kid");

        AssertRejected(TestJwt.Sign(header, Claims(), _p256), "token header missing key id");
    }

    [Fact]
    public void Validate_WhenKidUnknown_RejectsNamingTheKid()
    {
        AssertRejected(
            TestJwt.Sign(Header("ES256", "nope"), Claims(), _p256),
            "no JWT authority with key ID 'nope' in the bundle of trust domain example.org");
    }

    [Theory]
    [InlineData("sub", "token has no sub claim")]
    [InlineData("exp", "token has no exp claim")]
    [InlineData("aud", "token has no aud claim")]
    public void Validate_WhenRequiredClaimMissing_RejectsNamingTheClaim(string claim, string message)
    {
        var claims = Claims();
        claims.Remove(claim);

        AssertRejected(TestJwt.Sign(Header("ES256", "p256"), claims, _p256), message);
    }

    [Fact]
    public void Validate_WhenAudEmptyArray_RejectsNamingAud()
    {
        var claims = Claims();
        claims["aud"] = new JsonArray();

        AssertRejected(TestJwt.Sign(Header("ES256", "p256"), claims, _p256), "aud claim is empty");
    }

    [Fact]
    public void Validate_WhenAudDoesNotMatch_RejectsNamingBoth()
    {
        var claims = Claims();
        claims["aud"] = new JsonArray("spiffe://example.org/cache");

        AssertRejected(
            TestJwt.Sign(Header("ES256", "p256"), claims, _p256),
            "aud [spiffe://example.org/cache] does not include any expected audience [spiffe://example.org/db]");
    }

    [Fact]
    public void Validate_WhenSubIsNotSpiffeId_RejectsNamingSub()
    {
        var claims = Claims();
        claims["sub"] = "spiffe://example.org/a/../b";

        AssertRejected(TestJwt.Sign(Header("ES256", "p256"), claims, _p256), "is not a valid SPIFFE ID: path cannot contain dot segments");
    }

    [Fact]
    public void Validate_WhenExpiredBeyondLeeway_RejectsNamingExpiry()
    {
        var claims = Claims();
        claims["exp"] = _now.AddSeconds(-61).ToUnixTimeSeconds();

        AssertRejected(TestJwt.Sign(Header("ES256", "p256"), claims, _p256), "token expired at 2026-03-01T11:58:59Z");
    }

    [Fact]
    public void Validate_WhenExpiredWithinLeeway_Accepts()
    {
        var claims = Claims();
        claims["exp"] = _now.AddSeconds(-59).ToUnixTimeSeconds();

        Assert.True(Validate(TestJwt.Sign(Header("ES256", "p256"), claims, _p256)).IsValid);
    }

    [Fact]
    public void Validate_WhenLeewayIsZeroAndJustExpired_Rejects()
    {
        var claims = Claims();
        claims["exp"] = _now.AddSeconds(-1).ToUnixTimeSeconds();

        var result = JwtSvidValidator.Validate(TestJwt.Sign(Header("ES256", "p256"), claims, _p256), Audience, _bundles, _now, TimeSpan.Zero);

        Assert.False(result.IsValid);
        Assert.StartsWith("token expired at", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nbf", "token is not valid until")]
    [InlineData("iat", "token was issued in the future at")]
    public void Validate_WhenNbfOrIatBeyondLeewayInFuture_Rejects(string claim, string message)
    {
        var claims = Claims();
        claims[claim] = _now.AddMinutes(2).ToUnixTimeSeconds();

        AssertRejected(TestJwt.Sign(Header("ES256", "p256"), claims, _p256), message);
    }

    [Fact]
    public void Validate_WhenNbfWithinLeeway_Accepts()
    {
        var claims = Claims();
        claims["nbf"] = _now.AddSeconds(30).ToUnixTimeSeconds();

        Assert.True(Validate(TestJwt.Sign(Header("ES256", "p256"), claims, _p256)).IsValid);
    }

    [Fact]
    public void Validate_WhenSignatureTampered_RejectsNamingSignature()
    {
        var token = TestJwt.Sign(Header("ES256", "p256"), Claims(), _p256);
        var claims = Claims();
        claims["sub"] = "spiffe://example.org/admin";
        var parts = token.Split('.');
        var forged = parts[0] + "." + TestJwt.Encode(claims.ToJsonString()) + "." + parts[2];

        AssertRejected(forged, "signature is invalid");
    }

    [Fact]
    public void Validate_WhenSignedByAnotherKeyWithSameKid_RejectsNamingSignature()
    {
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        AssertRejected(TestJwt.Sign(Header("ES256", "p256"), Claims(), attacker), "signature is invalid");
    }

    [Fact]
    public void Validate_WhenAlgDoesNotFitKey_Rejects()
    {
        AssertRejected(TestJwt.Sign(Header("ES256", "p384"), Claims(), _p384), "needs a 256-bit curve");
        AssertRejected(TestJwt.Sign(Header("RS256", "p256"), Claims(), _rsa), "which alg RS256 cannot use");
    }

    [Fact]
    public void Validate_WhenKeyOnlyInAnotherTrustDomainsBundle_Rejects()
    {
        // Signed with a key the other trust domain trusts, claiming a subject in example.org.
        var token = TestJwt.Sign(Header("ES256", "other"), Claims(), _otherDomainKey);

        AssertRejected(token, "no JWT authority with key ID 'other' in the bundle of trust domain example.org");
    }

    [Fact]
    public void Validate_WhenSubjectTrustDomainHasNoBundle_RejectsNamingTheTrustDomain()
    {
        var claims = Claims();
        claims["sub"] = "spiffe://unknown.example/web";

        AssertRejected(TestJwt.Sign(Header("ES256", "p256"), claims, _p256), "no JWT bundle for trust domain unknown.example");
    }

    [Fact]
    public void Validate_WhenJsonSerialization_Rejects()
    {
        var token = TestJwt.Sign(Header("ES256", "p256"), Claims(), _p256);
        var parts = token.Split('.');
        var json = new JsonObject { ["payload"] = parts[1], ["protected"] = parts[0], ["signature"] = parts[2] }.ToJsonString();

        AssertRejected(json, "JWS JSON serialization is not allowed");
    }

    [Theory]
    [InlineData("a.b", "3 dot-separated parts, found 2")]
    [InlineData("a.b.c.d", "3 dot-separated parts, found 4")]
    [InlineData("a.b.c.d.e", "JWE")]
    [InlineData("", "token is empty")]
    public void Validate_WhenNotCompactJws_Rejects(string token, string message)
    {
        AssertRejected(token, message);
    }

    [Fact]
    public void Validate_WhenHeaderIsNotBase64UrlOrObject_Rejects()
    {
        var claims = TestJwt.Encode(Claims().ToJsonString());

        AssertRejected("eyJ!.x.y", "token header is not unpadded base64url");
        AssertRejected(TestJwt.Encode("[1]") + "." + claims + ".AA", "token header is not a JSON object");
        AssertRejected(TestJwt.Encode("{\"alg\":\"ES256\",\"alg\":\"none\"}") + "." + claims + ".AA", "token header is not valid JSON");
    }

    [Fact]
    public void Validate_WhenSignatureMissing_Rejects()
    {
        var token = TestJwt.Sign(Header("ES256", "p256"), Claims(), _p256);

        AssertRejected(token[..(token.LastIndexOf('.') + 1)], "signature is missing");
    }

    [Fact]
    public void Validate_WhenExpectedAudienceEmpty_ThrowsBecauseThatIsACallerBug()
    {
        var token = TestJwt.Sign(Header("ES256", "p256"), Claims(), _p256);

        Assert.Throws<ArgumentException>(() => JwtSvidValidator.Validate(token, [], _bundles, _now));
    }

    [Fact]
    public void Validate_ReturnsClaimsThatOutliveTheToken()
    {
        var claims = Claims();
        claims["jti"] = "abc";
        var result = Validate(TestJwt.Sign(Header("ES256", "p256"), claims, _p256));

        Assert.Equal("abc", result.Claims.GetProperty("jti").GetString());
        Assert.Equal(JsonValueKind.Object, result.Claims.ValueKind);
    }

    private JwtSvidValidationResult Validate(string token) => JwtSvidValidator.Validate(token, Audience, _bundles, _now);

    private void AssertRejected(string token, string message)
    {
        var result = Validate(token);

        Assert.False(result.IsValid);
        Assert.Null(result.Id);
        Assert.Empty(result.Audience);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    private AsymmetricAlgorithm KeyFor(string kid) => kid switch
    {
        "p256" => _p256,
        "p384" => _p384,
        "p521" => _p521,
        _ => _rsa,
    };

    private static JsonObject Header(string alg, string kid) => new() { ["alg"] = alg, ["kid"] = kid, ["typ"] = "JWT" };

    private JsonObject Claims() => new()
    {
        ["sub"] = Subject,
        ["aud"] = new JsonArray(Audience.Select(a => (JsonNode?)a).ToArray()),
        ["exp"] = _now.AddMinutes(5).ToUnixTimeSeconds(),
        ["iat"] = _now.ToUnixTimeSeconds(),
    };
}
