using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>What scripts consume: <c>--output json</c>, the JWT-SVID a workload presents, and both bundle formats.</summary>
public sealed class OutputFormatTests : IssuerTest, IClassFixture<IssuerProcess>
{
    private const string Id = "spiffe://example.org/demo/formats";

    public OutputFormatTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task EntryCommands_WithJsonOutput_PrintTheSameEntryAsJson()
    {
        using var created = ParseJson((await CliAsync("entry", "create", "--spiffe-id", Id, "--parent-id", ServerId, "--selector", "unix:uid:1000", "--hint", "formats", "--output", "json")).ShouldSucceed());
        var id = created.RootElement.GetProperty("id").GetString()!;
        using var shown = ParseJson((await CliAsync("entry", "show", "--id", id, "--output", "json")).ShouldSucceed());
        using var listed = ParseJson((await CliAsync("entry", "list", "--output", "json")).ShouldSucceed());

        Assert.Equal(Id, created.RootElement.GetProperty("spiffeId").GetString());
        Assert.Equal(ServerId, created.RootElement.GetProperty("parentId").GetString());
        Assert.Equal(["unix:uid:1000"], created.RootElement.GetProperty("selectors").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(1, created.RootElement.GetProperty("revisionNumber").GetInt64());
        Assert.Equal(created.RootElement.GetRawText(), shown.RootElement.GetRawText());
        var inList = Assert.Single(listed.RootElement.GetProperty("entries").EnumerateArray(), e => e.GetProperty("id").GetString() == id);
        Assert.Equal("formats", inList.GetProperty("hint").GetString());
    }

    [Fact]
    public async Task TokenGenerate_WithJsonOutput_PrintsTokenAgentIdAndExpiry()
    {
        using var json = ParseJson((await CliAsync("token", "generate", "--output", "json")).ShouldSucceed());

        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("token").GetString()));
        Assert.StartsWith("spiffe://example.org/identity-issuer/agent/join_token/", json.RootElement.GetProperty("agentId").GetString(), StringComparison.Ordinal);
        Assert.True(json.RootElement.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task SvidMintJwt_WithJsonOutput_PrintsAnEs256JwtWithSubjectAudienceAndTimes()
    {
        using var json = ParseJson((await CliAsync("svid", "mint", "jwt", "--spiffe-id", Id, "--audience", "inventory-api", "--audience", "billing", "--output", "json")).ShouldSucceed());
        var token = json.RootElement.GetProperty("token").GetString()!;

        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        using var header = JsonDocument.Parse(Base64Url(parts[0]));
        using var claims = JsonDocument.Parse(Base64Url(parts[1]));
        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("JWT", header.RootElement.GetProperty("typ").GetString());
        Assert.False(string.IsNullOrEmpty(header.RootElement.GetProperty("kid").GetString()));
        Assert.Equal(Id, claims.RootElement.GetProperty("sub").GetString());
        Assert.Equal(["inventory-api", "billing"], Audiences(claims.RootElement.GetProperty("aud")));
        var issuedAt = claims.RootElement.GetProperty("iat").GetInt64();
        var expires = claims.RootElement.GetProperty("exp").GetInt64();
        Assert.True(expires > issuedAt, $"exp {expires} is not after iat {issuedAt}");
        Assert.Equal(Id, json.RootElement.GetProperty("spiffeId").GetString());
    }

    [Fact]
    public async Task SvidMintJwt_Signature_VerifiesWithTheBundlesJwtKeyNamedByKid()
    {
        var token = (await CliAsync("svid", "mint", "jwt", "--spiffe-id", Id, "--audience", "inventory-api")).ShouldSucceed().StdOut.Trim();
        using var bundle = ParseJson((await CliAsync("bundle", "show", "--format", "spiffe")).ShouldSucceed());

        var parts = token.Split('.');
        using var header = JsonDocument.Parse(Base64Url(parts[0]));
        var kid = header.RootElement.GetProperty("kid").GetString();
        var jwk = Assert.Single(bundle.RootElement.GetProperty("keys").EnumerateArray(), k => k.GetProperty("use").GetString() == "jwt-svid" && k.GetProperty("kid").GetString() == kid);
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url(jwk.GetProperty("x").GetString()!), Y = Base64Url(jwk.GetProperty("y").GetString()!) },
        });
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]), HashAlgorithmName.SHA256), "the JWT-SVID signature does not verify with the bundle's key");
    }

    [Fact]
    public async Task SvidMintX509_WithJsonOutputAndNoDirectory_PrintsCertificateKeyAndBundle()
    {
        using var json = ParseJson((await CliAsync("svid", "mint", "x509", "--spiffe-id", Id, "--output", "json")).ShouldSucceed());

        Assert.Equal(Id, json.RootElement.GetProperty("spiffeId").GetString());
        Assert.Contains("BEGIN CERTIFICATE", json.RootElement.GetProperty("svidPem").GetString(), StringComparison.Ordinal);
        Assert.Contains("BEGIN PRIVATE KEY", json.RootElement.GetProperty("keyPem").GetString(), StringComparison.Ordinal);
        Assert.Contains("BEGIN CERTIFICATE", json.RootElement.GetProperty("bundlePem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SvidListAndShow_WithJsonOutput_DescribeTheSameSvidAsTheirText()
    {
        using var minted = ParseJson((await CliAsync("svid", "mint", "x509", "--spiffe-id", Id, "--output", "json")).ShouldSucceed());
        var serial = minted.RootElement.GetProperty("serial").GetString()!;

        using var listed = ParseJson((await CliAsync("svid", "list", "--spiffe-id", Id, "--page-size", "1000", "--output", "json")).ShouldSucceed());
        var row = Assert.Single(listed.RootElement.GetProperty("svids").EnumerateArray(), s => s.GetProperty("serial").GetString() == serial);
        Assert.Equal("x509", row.GetProperty("kind").GetString());
        var listText = (await CliAsync("svid", "list", "--spiffe-id", Id, "--page-size", "1000")).ShouldSucceed().StdOut;
        Assert.Contains(listText.Split('\n'), line => line.StartsWith(serial, StringComparison.Ordinal) && line.EndsWith(Id, StringComparison.Ordinal));

        using var shown = ParseJson((await CliAsync("svid", "show", "--serial", serial, "--output", "json")).ShouldSucceed());
        Assert.Equal(Id, shown.RootElement.GetProperty("svid").GetProperty("spiffeId").GetString());
        Assert.Equal("not-applicable", shown.RootElement.GetProperty("workload").GetProperty("status").GetString());
        var showText = (await CliAsync("svid", "show", "--serial", serial)).ShouldSucceed().StdOut;
        Assert.Contains($"SPIFFE ID         : {Id}", showText, StringComparison.Ordinal);
        Assert.Contains("Entry             : none", showText, StringComparison.Ordinal);

        var missing = await CliAsync("svid", "show", "--serial", "0a0b", "--output", "json");
        Assert.Equal(1, missing.ExitCode);
        using var error = ParseJson(missing);
        Assert.Contains("no SVID with serial '0a0b'", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BundleShowPem_IsASelfSignedCaCertificateOpenSslAccepts()
    {
        var pem = (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;
        var file = Path.Combine(Issuer.Directory, "bundle-show.pem");
        await File.WriteAllTextAsync(file, pem);

        var text = (await OpenSslAsync("x509", "-in", file, "-noout", "-text")).ShouldSucceed().StdOut;
        (await OpenSslAsync("verify", "-CAfile", file, file)).ShouldSucceed();

        var basic = Assert.Single(CertificateText.Extensions(text), e => e.Name == "X509v3 Basic Constraints");
        Assert.Equal("CA:TRUE", basic.Value);
    }

    [Fact]
    public async Task BundleShowSpiffe_IsJsonWithKeysAndSequenceMatchingThePemBundle()
    {
        using var json = ParseJson((await CliAsync("bundle", "show", "--format", "spiffe")).ShouldSucceed());
        var pem = (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;

        Assert.True(json.RootElement.GetProperty("spiffe_sequence").GetInt64() >= 1);
        var keys = json.RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Contains(keys, k => k.GetProperty("use").GetString() == "jwt-svid" && k.TryGetProperty("kid", out _));
        var x509 = Assert.Single(keys, k => k.GetProperty("use").GetString() == "x509-svid");
        var fromJson = Convert.FromBase64String(Assert.Single(x509.GetProperty("x5c").EnumerateArray()).GetString()!);
        var fromPem = X509CertificateLoader.LoadCertificate(Encoding.ASCII.GetBytes(pem));
        Assert.Equal(fromPem.RawData, fromJson);
    }

    [Fact]
    public async Task Healthcheck_WithJsonOutput_PrintsTrustDomainAndAuthority()
    {
        using var json = ParseJson((await CliAsync("healthcheck", "--output", "json")).ShouldSucceed());

        Assert.Equal("example.org", json.RootElement.GetProperty("trustDomain").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("x509AuthorityId").GetString()));
    }

    private static string[] Audiences(JsonElement aud) =>
        aud.ValueKind == JsonValueKind.String ? [aud.GetString()!] : [.. aud.EnumerateArray().Select(a => a.GetString()!)];

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
