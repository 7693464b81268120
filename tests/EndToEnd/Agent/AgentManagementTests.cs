using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// <c>agent list|show|evict|ban|unban</c> against a real issuer and running agents: eviction makes the
/// agent attest again by itself (a join-token agent then fails, its token being used), a ban makes
/// every call it makes fail with 403 banned, and bad input fails naming the field.
/// </summary>
public sealed class AgentManagementTests : AgentTest, IClassFixture<IssuerProcess>
{
    private const string TokenUsed = "join token is unknown, expired or already used";

    public AgentManagementTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task ListAndShow_DescribeTheRunningAgent()
    {
        var (_, agentId) = await StartAgentAsync();

        var json = ParseJson((await CliAsync("agent", "list", "--output", "json")).ShouldSucceed()).RootElement;
        var text = (await CliAsync("agent", "list")).ShouldSucceed().StdOut;
        var shown = (await CliAsync("agent", "show", "--id", agentId)).ShouldSucceed().StdOut;

        var listed = json.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("agentId").GetString() == agentId);
        Assert.Equal("join_token", listed.GetProperty("attestationType").GetString());
        Assert.False(listed.GetProperty("banned").GetBoolean());
        Assert.False(listed.GetProperty("canReattest").GetBoolean());
        Assert.Contains($"Agent ID         : {agentId}", text, StringComparison.Ordinal);
        Assert.Contains($"Agent ID         : {agentId}", shown, StringComparison.Ordinal);
        Assert.Contains("Attestation type : join_token", shown, StringComparison.Ordinal);
        Assert.Contains($"SVID serial      : {listed.GetProperty("svidSerial").GetString()}", shown, StringComparison.Ordinal);
        Assert.Contains("Banned           : false", shown, StringComparison.Ordinal);
        Assert.Contains("Can re-attest    : false", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evict_MakesTheAgentAttestAgain_WhichAJoinTokenAgentCannot()
    {
        var (agent, agentId) = await StartAgentAsync();
        var mark = agent.LogMark;

        (await CliAsync("agent", "evict", "--id", agentId)).ShouldSucceed();

        await agent.WaitForLogAsync($"Attesting again: the issuer no longer accepts {agentId}", mark);
        await agent.WaitForLogAsync(TokenUsed, mark);
        var show = (await CliAsync("agent", "show", "--id", agentId)).ShouldFail();
        Assert.Contains($"no attested agent '{agentId}'", show.Output, StringComparison.Ordinal);
        await Issuer.WaitForLogAsync($"agent {agentId} evicted");
    }

    [Fact]
    public async Task Ban_RefusesEveryCallOfTheAgent()
    {
        var (agent, agentId) = await StartAgentAsync();
        var mark = agent.LogMark;

        var banned = ParseJson((await CliAsync("agent", "ban", "--id", agentId, "--output", "json")).ShouldSucceed()).RootElement;

        Assert.True(banned.GetProperty("banned").GetBoolean());
        await agent.WaitForLogAsync($"agent {agentId} is banned", mark);
        Assert.Contains("Banned           : true", (await CliAsync("agent", "show", "--id", agentId)).ShouldSucceed().StdOut, StringComparison.Ordinal);
        await Issuer.WaitForLogAsync($"agent {agentId} banned");

        (await CliAsync("agent", "unban", "--id", agentId)).ShouldSucceed();
        Assert.Contains("Banned           : false", (await CliAsync("agent", "show", "--id", agentId)).ShouldSucceed().StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("agentId", "evict", "not-a-spiffe-id")]
    [InlineData("agentId", "ban", "spiffe://example.org/demo/web")]
    [InlineData("agentId", "unban", "spiffe://other.org/identity-issuer/agent/join_token/abc")]
    [InlineData("id", "show", "spiffe://example.org/demo/web")]
    [InlineData("--id", "evict", null)]
    public async Task BadInput_FailsNamingTheField(string field, string action, string? id)
    {
        var result = (await CliAsync(id is null ? ["agent", action] : ["agent", action, "--id", id])).ShouldFail();

        Assert.Contains(field, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAgent_FailsNamingIt()
    {
        const string unknown = "spiffe://example.org/identity-issuer/agent/join_token/00000000000000000000000000000000";

        var result = (await CliAsync("agent", "ban", "--id", unknown)).ShouldFail();

        Assert.Contains(unknown, result.Output, StringComparison.Ordinal);
    }
}
