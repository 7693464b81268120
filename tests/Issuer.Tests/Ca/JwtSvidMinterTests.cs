using System.Text.Json;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Jwt;

namespace IdentityIssuer.Issuer.Tests.Ca;

public sealed class JwtSvidMinterTests
{
    private static readonly SpiffeId Agent = SpiffeId.Parse("spiffe://example.org/ai/agent-1");

    private static JsonElement Part(string token, int index)
    {
        var part = token.Split('.')[index];
        return JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(part)).RootElement.Clone();
    }

    [Fact]
    public async Task Mint_DefaultKey_IsEs256WithKidAndTypJwt()
    {
        await using var issuer = await IssuerServices.StartAsync();

        var minted = await issuer.Jwt.MintAsync(Agent, ["inventory"], TimeSpan.Zero, null, "test", CancellationToken.None);

        var header = Part(minted.Token, 0);
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal("JWT", header.GetProperty("typ").GetString());
        Assert.Equal(issuer.Ca.ActiveJwt.KeyId, header.GetProperty("kid").GetString());
        Assert.Equal(3, header.EnumerateObject().Count());
    }

    [Fact]
    public async Task Mint_ClaimsAreSubAudExpIatAndTtlDefaultsToFiveMinutes()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var now = issuer.Clock.GetUtcNow().ToUnixTimeSeconds();

        var minted = await issuer.Jwt.MintAsync(Agent, ["inventory", "network"], TimeSpan.Zero, null, "test", CancellationToken.None);

        var claims = Part(minted.Token, 1);
        Assert.Equal("spiffe://example.org/ai/agent-1", claims.GetProperty("sub").GetString());
        Assert.Equal(["inventory", "network"], claims.GetProperty("aud").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(now, claims.GetProperty("iat").GetInt64());
        Assert.Equal(now + 300, claims.GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Mint_TokenValidatesAgainstTheBundleForItsAudience()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var minted = await issuer.Jwt.MintAsync(Agent, ["inventory"], TimeSpan.FromMinutes(2), null, "test", CancellationToken.None);
        var bundle = await issuer.Bundles.GetOwnBundleAsync(CancellationToken.None);

        var ok = JwtSvidValidator.Validate(minted.Token, ["inventory"], new JwtBundleSet([bundle]), issuer.Clock.GetUtcNow());
        var wrongAudience = JwtSvidValidator.Validate(minted.Token, ["storage"], new JwtBundleSet([bundle]), issuer.Clock.GetUtcNow());
        var late = JwtSvidValidator.Validate(minted.Token, ["inventory"], new JwtBundleSet([bundle]), issuer.Clock.GetUtcNow().AddMinutes(10));

        Assert.True(ok.IsValid, ok.Error);
        Assert.Equal(Agent, ok.Id);
        Assert.False(wrongAudience.IsValid);
        Assert.False(late.IsValid);
    }

    [Theory]
    [InlineData("ec-p384", "ES384")]
    [InlineData("rsa-2048", "RS256")]
    public async Task Mint_WithConfiguredKeyType_UsesMatchingAlgorithmAndValidates(string keyType, string alg)
    {
        await using var issuer = await IssuerServices.StartAsync(new Dictionary<string, string?> { ["Ca:JwtKeyType"] = keyType });
        var minted = await issuer.Jwt.MintAsync(Agent, ["inventory"], TimeSpan.Zero, null, "test", CancellationToken.None);
        var bundle = await issuer.Bundles.GetOwnBundleAsync(CancellationToken.None);

        Assert.Equal(alg, Part(minted.Token, 0).GetProperty("alg").GetString());
        var result = JwtSvidValidator.Validate(minted.Token, ["inventory"], new JwtBundleSet([bundle]), issuer.Clock.GetUtcNow());
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Mint_WithoutAudience_FailsNamingAudience()
    {
        await using var issuer = await IssuerServices.StartAsync();

        var error = await Assert.ThrowsAsync<CaException>(() => issuer.Jwt.MintAsync(Agent, [], TimeSpan.Zero, null, "test", CancellationToken.None));

        Assert.Contains("audience", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mint_RecordsTheTokenByJti()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var minted = await issuer.Jwt.MintAsync(Agent, ["inventory"], TimeSpan.Zero, "entry-7", "agent-y", CancellationToken.None);
        var jti = Part(minted.Token, 1).GetProperty("jti").GetString();

        var records = await issuer.Store.ListIssuanceRecordsAsync(new IdentityIssuer.Issuer.Datastore.IssuanceFilter { Serial = jti }, CancellationToken.None);

        var record = Assert.Single(records.Items);
        Assert.Equal(IdentityIssuer.Issuer.Datastore.SvidKind.Jwt, record.Kind);
        Assert.Equal("entry-7", record.EntryId);
        Assert.Equal("agent-y", record.Caller);
        Assert.Equal(minted.ExpiresAt, record.NotAfter);
    }
}
