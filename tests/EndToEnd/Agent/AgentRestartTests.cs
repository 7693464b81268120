using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>An agent that is stopped and started again resumes its saved identity instead of attesting again.</summary>
public sealed class AgentRestartTests : AgentTest, IClassFixture<IssuerProcess>
{
    public AgentRestartTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task Restart_KeepsTheAgentId_WithoutASecondAttestation_AndWorkloadsGetSvidsAgain()
    {
        var (agent, agentId) = await StartAgentAsync();
        var before = WorkloadIdPrefix + "before-restart";
        await CreateWorkloadEntryAsync(before, agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [before]);
        Assert.Contains($"Attested with join_token as {agentId}", agent.Log, StringComparison.Ordinal);

        Assert.Equal(0, await agent.StopAsync());
        var agentMark = agent.LogMark;
        var issuerMark = Issuer.LogMark;
        // Same configuration, same (already spent) join token: a second attestation would be refused.
        await agent.StartAsync();

        var after = WorkloadIdPrefix + "after-restart";
        await CreateWorkloadEntryAsync(after, agentId, OwnUidSelector);
        var svids = await WaitForSvidsAsync(agent, [before, after]);

        var restartLog = agent.LogSince(agentMark);
        Assert.Contains($"Resumed saved agent SVID {agentId}", restartLog, StringComparison.Ordinal);
        Assert.DoesNotContain("Attested with", restartLog, StringComparison.Ordinal);
        Assert.DoesNotContain("refused", restartLog, StringComparison.Ordinal);
        Assert.Equal(1, Occurrences(Issuer.Log, $"Agent {agentId} attested with join_token"));
        Assert.DoesNotContain("/agent/v1/attest refused", Issuer.LogSince(issuerMark), StringComparison.Ordinal);

        var files = await WriteSvidFilesAsync(svids.Single(s => s.SpiffeId == before), Path.Combine(agent.Directory, "after-restart"));
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), before, agent.BundleFile);
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
