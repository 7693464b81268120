using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Spiffe.Tests.Bundles;

public class SpiffeBundleTests
{
    private static readonly TrustDomain Td = TrustDomain.Parse("example.org");

    [Fact]
    public void ToJsonThenParse_WithEcAndRsaKeys_RoundTripsEveryAuthorityAndField()
    {
        var ecRoot = TestCertificates.CreateRootCa();
        var rsaRoot = TestCertificates.CreateRootCa(configure: s => s.KeyType = TestKeyType.Rsa2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ec521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        using var rsa = RSA.Create(2048);
        var jwt = new[]
        {
            new JwtAuthority("ec-1", ec.ExportSubjectPublicKeyInfo()),
            new JwtAuthority("ec-521", ec521.ExportSubjectPublicKeyInfo()),
            new JwtAuthority("rsa-1", rsa.ExportSubjectPublicKeyInfo()),
        };
        var bundle = new SpiffeBundle(Td, [ecRoot, rsaRoot], jwt, sequence: 42, refreshHint: TimeSpan.FromMinutes(5));

        var parsed = SpiffeBundle.Parse(Td, Encoding.UTF8.GetBytes(bundle.ToJson()));

        Assert.Equal(Td, parsed.TrustDomain);
        Assert.Equal([ecRoot.Thumbprint, rsaRoot.Thumbprint], parsed.X509Authorities.Select(c => c.Thumbprint));
        Assert.Equal(["ec-1", "ec-521", "rsa-1"], parsed.JwtAuthorities.Select(a => a.KeyId));
        for (var i = 0; i < jwt.Length; i++)
        {
            Assert.Equal(jwt[i].SubjectPublicKeyInfo, parsed.JwtAuthorities[i].SubjectPublicKeyInfo);
        }

        Assert.Equal(42, parsed.Sequence);
        Assert.Equal(TimeSpan.FromMinutes(5), parsed.RefreshHint);
    }

    [Fact]
    public void ToJson_WritesX509EntriesWithOneStandardBase64X5cAndNoKid()
    {
        var root = TestCertificates.CreateRootCa();
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var bundle = new SpiffeBundle(Td, [root], [new JwtAuthority("k1", ec.ExportSubjectPublicKeyInfo())]);

        var json = JsonNode.Parse(bundle.ToJson())!.AsObject();

        var keys = json["keys"]!.AsArray();
        var x509 = keys[0]!.AsObject();
        Assert.Equal("x509-svid", (string?)x509["use"]);
        Assert.Equal("EC", (string?)x509["kty"]);
        Assert.Equal("P-256", (string?)x509["crv"]);
        Assert.False(x509.ContainsKey("kid"));
        Assert.Equal(root.RawData, Convert.FromBase64String((string)x509["x5c"]!.AsArray().Single()!));
        var jwt = keys[1]!.AsObject();
        Assert.Equal("jwt-svid", (string?)jwt["use"]);
        Assert.Equal("k1", (string?)jwt["kid"]);
        Assert.Equal("P-384", (string?)jwt["crv"]);
        Assert.False(jwt.ContainsKey("x5c"));
        Assert.False(json.ContainsKey("spiffe_sequence"));
        Assert.False(json.ContainsKey("spiffe_refresh_hint"));
    }

    [Theory]
    [InlineData(300.0, 300)]
    [InlineData(300.001, 301)]
    [InlineData(0.5, 1)]
    [InlineData(0, 0)]
    public void ToJson_WritesRefreshHintInWholeSecondsRoundedUp(double seconds, long expected)
    {
        var bundle = new SpiffeBundle(Td, [], [], refreshHint: TimeSpan.FromSeconds(seconds));

        using var json = JsonDocument.Parse(bundle.ToJson());

        Assert.Equal(expected, json.RootElement.GetProperty("spiffe_refresh_hint").GetInt64());
    }

    [Fact]
    public void Parse_WhenSequenceIsLargest64BitValue_Accepts()
    {
        var bundle = Parse("""{"keys":[],"spiffe_sequence":9223372036854775807,"spiffe_refresh_hint":60}""");

        Assert.Equal(long.MaxValue, bundle.Sequence);
        Assert.Equal(TimeSpan.FromSeconds(60), bundle.RefreshHint);
    }

    [Theory]
    [InlineData("""{"keys":[],"spiffe_sequence":-1}""", "spiffe_sequence")]
    [InlineData("""{"keys":[],"spiffe_sequence":1.5}""", "spiffe_sequence")]
    [InlineData("""{"keys":[],"spiffe_sequence":"1"}""", "spiffe_sequence")]
    [InlineData("""{"keys":[],"spiffe_sequence":18446744073709551616}""", "spiffe_sequence")]
    [InlineData("""{"keys":[],"spiffe_refresh_hint":-5}""", "spiffe_refresh_hint")]
    [InlineData("""{"keys":[],"spiffe_refresh_hint":"300"}""", "spiffe_refresh_hint")]
    public void Parse_WhenSequenceOrRefreshHintMalformed_FailsNamingTheMember(string json, string member)
    {
        var e = Assert.Throws<SpiffeBundleException>(() => Parse(json));

        Assert.StartsWith(member, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenKeysMissing_FailsNamingKeys()
    {
        var e = Assert.Throws<SpiffeBundleException>(() => Parse("""{"spiffe_sequence":1}"""));

        Assert.Contains("no 'keys' member", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenKeysEmpty_AcceptsWithNoAuthorities()
    {
        var bundle = Parse("""{"keys":[]}""");

        Assert.Empty(bundle.X509Authorities);
        Assert.Empty(bundle.JwtAuthorities);
        Assert.Null(bundle.Sequence);
        Assert.Null(bundle.RefreshHint);
    }

    [Theory]
    [InlineData("wit-svid")]
    [InlineData("sig")]
    [InlineData("X509-SVID")]
    [InlineData("JWT-SVID")]
    [InlineData(null)]
    public void Parse_WhenUseMissingOrUnknown_IgnoresTheKey(string? use)
    {
        var key = EcJwk("k1", use);

        var bundle = Parse(Bundle(key));

        Assert.Empty(bundle.JwtAuthorities);
        Assert.Empty(bundle.X509Authorities);
    }

    [Fact]
    public void Parse_WhenKtyUnknownOrMissing_IgnoresTheKey()
    {
        var okp = new JsonObject { ["kty"] = "OKP", ["use"] = "jwt-svid", ["kid"] = "ed", ["crv"] = "Ed25519", ["x"] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" };
        var noKty = EcJwk("no-kty", "jwt-svid");
        noKty.Remove("kty");

        var bundle = Parse(Bundle(okp, noKty, EcJwk("good", "jwt-svid")));

        Assert.Equal(["good"], bundle.JwtAuthorities.Select(a => a.KeyId));
    }

    [Fact]
    public void Parse_WhenX509EntryHasTwoCertificates_FailsNamingTheCount()
    {
        var root = TestCertificates.CreateRootCa();
        var entry = X509Jwk(root);
        entry["x5c"]!.AsArray().Add(Convert.ToBase64String(root.RawData));

        var e = Assert.Throws<SpiffeBundleException>(() => Parse(Bundle(entry)));

        Assert.Equal("expected a single certificate in x509-svid entry 0; got 2", e.Message);
    }

    [Fact]
    public void Parse_WhenX509EntryHasNoCertificate_FailsNamingTheCount()
    {
        var entry = X509Jwk(TestCertificates.CreateRootCa());
        entry.Remove("x5c");

        var e = Assert.Throws<SpiffeBundleException>(() => Parse(Bundle(EcJwk("k", "jwt-svid"), entry)));

        Assert.Equal("expected a single certificate in x509-svid entry 1; got 0", e.Message);
    }

    [Fact]
    public void Parse_WhenX509EntryHasKid_FailsNamingKid()
    {
        var entry = X509Jwk(TestCertificates.CreateRootCa());
        entry["kid"] = "k";

        var e = Assert.Throws<SpiffeBundleException>(() => Parse(Bundle(entry)));

        Assert.Equal("x509-svid entry 0 must not have a kid", e.Message);
    }

    [Fact]
    public void Parse_WhenX509EntryKeyDoesNotMatchCertificate_Fails()
    {
        var entry = X509Jwk(TestCertificates.CreateRootCa());
        var other = EcJwk("x", "x509-svid");
        entry["x"] = (string?)other["x"];
        entry["y"] = (string?)other["y"];

        var e = Assert.Throws<SpiffeBundleException>(() => Parse(Bundle(entry)));

        Assert.Contains("do not match the public key of the x5c certificate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenX5cIsUrlSafeBase64_FailsNamingStandardBase64()
    {
        var root = TestCertificates.CreateRootCa();
        var entry = X509Jwk(root);
        entry["x5c"] = new JsonArray("!!!not base64");

        var e = Assert.Throws<SpiffeBundleException>(() => Parse(Bundle(entry)));

        Assert.Contains("not standard base64", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Parse_WhenJwtKeyHasNoKid_FailsNamingKid(string? kid)
    {
        var e = Assert.Throws<SpiffeBundleException>(() => Parse(Bundle(EcJwk(kid, "jwt-svid"))));

        Assert.Equal("jwt-svid entry 0 has no kid; key ID cannot be empty", e.Message);
    }

    [Fact]
    public void Parse_WhenJwtKidRepeats_FailsNamingTheKid()
    {
        var e = Assert.Throws<SpiffeBundleException>(() => Parse(Bundle(EcJwk("k1", "jwt-svid"), EcJwk("k1", "jwt-svid"))));

        Assert.Equal("jwt-svid entry 1 repeats key ID 'k1'", e.Message);
    }

    [Fact]
    public void Parse_WhenJwtKeyHasUnsupportedCurve_FailsNamingTheCurve()
    {
        var key = EcJwk("k1", "jwt-svid");
        key["crv"] = "P-256K";

        var e = Assert.Throws<SpiffeBundleException>(() => Parse(Bundle(key)));

        Assert.Contains("unsupported EC curve 'P-256K'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"keys":{}}""", "'keys' member must be an array")]
    [InlineData("""{"keys":[1]}""", "key entry 0 is not a JSON object")]
    [InlineData("""{"keys":[],"keys":[]}""", "not valid JSON")]
    public void Parse_WhenDocumentMalformed_FailsNamingTheDefect(string json, string message)
    {
        var e = Assert.Throws<SpiffeBundleException>(() => Parse(json));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenUnknownTopLevelMembers_IgnoresThem()
    {
        var bundle = Parse("""{"keys":[],"spiffe_sequence":3,"x_vendor":{"a":1}}""");

        Assert.Equal(3, bundle.Sequence);
    }

    [Fact]
    public void ToJwtJwks_HoldsOnlyJwtKeysWithKidAndNoUseOrSpiffeMembers()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        var bundle = new SpiffeBundle(
            Td,
            [TestCertificates.CreateRootCa()],
            [new JwtAuthority("a", ec.ExportSubjectPublicKeyInfo()), new JwtAuthority("b", rsa.ExportSubjectPublicKeyInfo())],
            sequence: 7,
            refreshHint: TimeSpan.FromSeconds(30));

        var json = JsonNode.Parse(bundle.ToJwtJwks())!.AsObject();

        Assert.Equal(["keys"], json.Select(p => p.Key));
        var keys = json["keys"]!.AsArray().Select(k => k!.AsObject()).ToArray();
        Assert.Equal(["a", "b"], keys.Select(k => (string?)k["kid"]));
        Assert.All(keys, k => Assert.False(k.ContainsKey("use")));
        Assert.All(keys, k => Assert.False(k.ContainsKey("x5c")));
        Assert.Equal(["EC", "RSA"], keys.Select(k => (string?)k["kty"]));
    }

    [Fact]
    public void ToX509Bundle_CarriesTheTrustDomainAndX509Authorities()
    {
        var root = TestCertificates.CreateRootCa();

        var x509 = new SpiffeBundle(Td, [root], []).ToX509Bundle();

        Assert.Equal(Td, x509.TrustDomain);
        Assert.Same(root, Assert.Single(x509.Authorities));
    }

    [Fact]
    public void Constructor_WhenKidRepeats_Throws()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = ec.ExportSubjectPublicKeyInfo();

        Assert.Throws<ArgumentException>(() => new SpiffeBundle(Td, [], [new JwtAuthority("k", spki), new JwtAuthority("k", spki)]));
    }

    internal static JsonObject EcJwk(string? kid, string? use)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Jwk.FromSubjectPublicKeyInfo(ec.ExportSubjectPublicKeyInfo(), kid, use);
    }

    private static JsonObject X509Jwk(X509Certificate2 certificate) =>
        Jwk.FromSubjectPublicKeyInfo(certificate.PublicKey.ExportSubjectPublicKeyInfo(), null, "x509-svid", certificate);

    private static string Bundle(params JsonObject[] keys) =>
        new JsonObject { ["keys"] = new JsonArray(keys) }.ToJsonString();

    private static SpiffeBundle Parse(string json) => SpiffeBundle.Parse(Td, Encoding.UTF8.GetBytes(json));
}
