using System.Text.Json;
using IdentityIssuer.Attestation.Node;

namespace IdentityIssuer.Attestation.Tests.Node;

public sealed class JoinTokenAttestorTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Attest_WithAStoredToken_ConsumesItByHash_AndNamesTheAgentFromTheHash()
    {
        string? consumed = null;
        var context = Context((hash, _) =>
        {
            consumed = hash;
            return Task.FromResult(true);
        });
        var payload = await new JoinTokenAttestorClient(Token).BuildPayloadAsync(null, CancellationToken.None);

        var result = await new JoinTokenAttestor().AttestAsync(payload, context, CancellationToken.None);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(JoinTokenAttestor.HashToken(Token), consumed);
        Assert.Equal($"/identity-issuer/agent/join_token/{consumed![..32]}", result.AgentPath);
        Assert.DoesNotContain(Token, result.AgentPath, StringComparison.Ordinal);
        Assert.Empty(result.Selectors);
        Assert.False(result.CanReattest);
    }

    [Fact]
    public async Task Attest_WhenTheStoreHasNoSuchToken_FailsWithoutNamingTheToken()
    {
        var payload = await new JoinTokenAttestorClient(Token).BuildPayloadAsync(null, CancellationToken.None);

        var result = await new JoinTokenAttestor().AttestAsync(payload, Context((_, _) => Task.FromResult(false)), CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.Equal("join token is unknown, expired or already used", result.Error);
        Assert.Equal(string.Empty, result.AgentPath);
    }

    [Theory]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{}", "needs a string property 'token'")]
    [InlineData("{\"token\": 5}", "needs a string property 'token'")]
    [InlineData("{\"token\": \"\"}", "is empty")]
    [InlineData("{\"certificates\": [], \"nonce\": \"x\", \"signature\": \"y\"}", "unexpected property 'certificates'")]
    [InlineData("{\"token\": \"t\", \"extra\": 1}", "unexpected property 'extra'")]
    public async Task Attest_APayloadItDoesNotOwnOrCannotParse_IsRefusedWithoutTouchingTheStore(string json, string expected)
    {
        var touched = false;
        var context = Context((_, _) =>
        {
            touched = true;
            return Task.FromResult(true);
        });

        var result = await new JoinTokenAttestor().AttestAsync(JsonDocument.Parse(json).RootElement, context, CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.False(touched);
    }

    [Fact]
    public async Task Attest_WithoutAJoinTokenStore_FailsClosed()
    {
        var payload = await new JoinTokenAttestorClient(Token).BuildPayloadAsync(null, CancellationToken.None);

        var result = await new JoinTokenAttestor().AttestAsync(payload, new NodeAttestationContext { TrustDomain = "example.org" }, CancellationToken.None);

        Assert.False(result.IsValid);
    }

    [Fact]
    public void Client_DoesNotNeedAChallenge_AndHidesTheTokenFromToString()
    {
        var client = new JoinTokenAttestorClient(Token);

        Assert.False(client.NeedsChallenge);
        Assert.Equal("join_token", client.Name);
        Assert.DoesNotContain(Token, client.ToString(), StringComparison.Ordinal);
    }

    private static NodeAttestationContext Context(Func<string, CancellationToken, Task<bool>> consume) =>
        new() { TrustDomain = "example.org", ConsumeJoinToken = consume };
}
