using System.Globalization;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// A local workload that asks for JWT-SVIDs with huge or ever-new audiences: the agent refuses what is
/// over its bounds with a status naming the bound, its memory and its log do not grow with what was
/// sent, and it keeps serving ordinary requests.
/// </summary>
public sealed class JwtSvidBoundsTests : AgentTest, IClassFixture<IssuerProcess>
{
    /// <summary>An idle agent stays well under this; huge audiences must not leave it above.</summary>
    private const long ResidentBoundMiB = 200;

    public JwtSvidBoundsTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task FetchJwtSvid_WithDistinctOneMegabyteAudiences_IsRefusedNamingTheLimit_AndNeitherMemoryNorTheLogGrows()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "jwt-huge-audience";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [spiffeId]);
        var pid = agent.ProcessId!.Value;
        var residentBefore = ConnectionFlood.ResidentMiB(pid);
        var logMark = agent.LogMark;

        var refused = new List<NodeCallResult>();
        for (var i = 0; i < 25; i++)
        {
            refused.Add(await NodeAsync(agent, "FetchJWTSVID", ["--audience-bytes", "1000000", "--audience-prefix", $"huge-{i.ToString(CultureInfo.InvariantCulture)}-"]));
        }

        var ordinary = await NodeAsync(agent, "FetchJWTSVID", ["ordinary-audience"]);
        var residentAfter = ConnectionFlood.ResidentMiB(pid);
        var logged = agent.LogSince(logMark);
        Output.WriteLine($"agent RSS {residentBefore} MiB before, {residentAfter} MiB after 25 one-megabyte audiences; {logged.Length} characters logged");

        Assert.All(refused, r =>
        {
            Assert.Equal("INVALID_ARGUMENT", r.StatusName);
            Assert.Contains("at most 256 are allowed", r.StatusDetails, StringComparison.Ordinal);
        });
        Assert.Equal("OK", ordinary.StatusName);
        Assert.False(agent.HasExited, $"the agent exited\n{agent.Log}");
        Assert.True(logged.Length < 64 * 1024, $"the agent logged {logged.Length} characters for 25 refused requests");
        Assert.DoesNotContain(new string('a', 1_000), logged, StringComparison.Ordinal);
        Assert.True(residentAfter <= ResidentBoundMiB, $"the agent's RSS is {residentAfter} MiB after the requests (it was {residentBefore} MiB)");
    }

    [Fact]
    public async Task FetchJwtSvid_MoreNewAudienceSetsThanTheMinutesBound_IsRefusedNamingTheSetting_WhileCachedOnesAreStillServed()
    {
        var (agent, agentId) = await StartAgentAsync(overrides: ["--Agent:NewJwtAudiencesPerMinute=3"]);
        var spiffeId = WorkloadIdPrefix + "jwt-new-audiences";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [spiffeId]);

        var first = new List<NodeCallResult>();
        foreach (var audience in new[] { "audience-1", "audience-2", "audience-3" })
        {
            first.Add(await NodeAsync(agent, "FetchJWTSVID", [audience]));
        }

        var fourth = await NodeAsync(agent, "FetchJWTSVID", ["audience-4"]);
        var again = await NodeAsync(agent, "FetchJWTSVID", ["audience-1"]);

        Assert.All(first, r => Assert.Equal("OK", r.StatusName));
        Assert.Equal("RESOURCE_EXHAUSTED", fourth.StatusName);
        Assert.Contains("Agent:NewJwtAudiencesPerMinute", fourth.StatusDetails, StringComparison.Ordinal);
        Assert.Equal("OK", again.StatusName);
        Assert.Equal(
            first[0].Messages[0].GetProperty("svids")[0].GetProperty("svid").GetString(),
            again.Messages[0].GetProperty("svids")[0].GetProperty("svid").GetString());
    }
}
