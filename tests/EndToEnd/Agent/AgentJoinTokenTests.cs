using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>A join token attests one agent once: a second agent with it is refused and never serves, even in a race.</summary>
public sealed class AgentJoinTokenTests : AgentTest, IClassFixture<IssuerProcess>
{
    private const string Refusal = "attestation refused: join token is unknown, expired or already used";

    public AgentJoinTokenTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task SecondAgent_WithAnAlreadyUsedToken_IsRefused_AndNeverServes()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var spiffeId = WorkloadIdPrefix + "token-once";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        var first = await CreateAgentAsync(token, name: "first agent");
        await first.StartAsync();
        await WaitForSvidsAsync(first, [spiffeId]);

        var second = await CreateAgentAsync(token, name: "second agent");
        second.Launch();
        await second.WaitForLogAsync(Refusal);

        await AssertNeverServedAsync(second);
        await Issuer.WaitForLogAsync("/agent/v1/attest refused with 403: " + Refusal);
        await WaitForSvidsAsync(first, [spiffeId]);
    }

    [Fact]
    public async Task TwoAgentsRacingWithOneToken_ExactlyOneAttests()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var spiffeId = WorkloadIdPrefix + "token-race";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        var one = await CreateAgentAsync(token, name: "agent one");
        var two = await CreateAgentAsync(token, name: "agent two");

        one.Launch();
        two.Launch();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(Decided(one) && Decided(two)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the race was not decided in time\n--- agent one ---\n{one.Log}\n--- agent two ---\n{two.Log}");
            await Task.Delay(200);
        }

        var winners = new[] { one, two }.Where(a => a.Log.Contains("Attested with join_token", StringComparison.Ordinal)).ToList();
        var losers = new[] { one, two }.Where(a => a.Log.Contains(Refusal, StringComparison.Ordinal)).ToList();
        var winner = Assert.Single(winners);
        var loser = Assert.Single(losers);
        Assert.NotSame(winner, loser);

        await winner.WaitUntilHealthyAsync();
        await WaitForSvidsAsync(winner, [spiffeId]);
        await AssertNeverServedAsync(loser);
        await Issuer.WaitForLogAsync($"Agent {agentId} attested with join_token");
        Assert.Equal(1, Issuer.Log.Split('\n').Count(l => l.Contains($"Agent {agentId} attested with join_token", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Agent_WithJoinTokenFile_Attests_AndTheTokenIsNeitherOnItsCommandLineNorInItsLog()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var spiffeId = WorkloadIdPrefix + "token-file";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        var agent = await CreateAgentAsync(token, name: "file agent", joinTokenInFile: true, settings: new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Debug" });

        await agent.StartAsync();
        await WaitForSvidsAsync(agent, [spiffeId]);

        // What any local user can read of the running agent.
        var cmdline = (await File.ReadAllTextAsync($"/proc/{agent.ProcessId}/cmdline")).Replace('\0', ' ');
        Assert.Contains("--join-token-file " + agent.JoinTokenFile, cmdline, StringComparison.Ordinal);
        Assert.DoesNotContain(token, cmdline, StringComparison.Ordinal);
        Assert.Contains("Attested with join_token", agent.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(token, agent.Log, StringComparison.Ordinal);
    }

    private static bool Decided(AgentProcess agent) =>
        agent.Log.Contains("Attested with join_token", StringComparison.Ordinal) || agent.Log.Contains(Refusal, StringComparison.Ordinal);

    /// <summary>The agent runs, but its Workload API has nothing to serve: no first sync ever happened.</summary>
    private async Task AssertNeverServedAsync(AgentProcess agent)
    {
        Assert.False(agent.HasExited, $"the {agent.Name} exited\n{agent.Log}");
        Assert.DoesNotContain("Attested with", agent.Log, StringComparison.Ordinal);
        var health = Record(await agent.HealthcheckAsync()).ShouldFail();
        Assert.Contains("has not completed its first sync", health.StdErr, StringComparison.Ordinal);
        var fetch = await NodeAsync(agent, "FetchX509SVID");
        Assert.Empty(fetch.Messages);
        Assert.Equal("UNAVAILABLE", fetch.StatusName);
    }
}
