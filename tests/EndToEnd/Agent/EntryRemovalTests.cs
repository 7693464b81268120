using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>Deleting an entry at the issuer takes its SVID away from workloads watching the Workload API.</summary>
public sealed class EntryRemovalTests : AgentTest, IClassFixture<IssuerProcess>
{
    public EntryRemovalTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task DeletingTheOnlyEntry_EndsTheStreamWithPermissionDenied()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "only";
        var entryId = await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [spiffeId]);

        var stream = StartNode(agent, "FetchX509SVID");
        Assert.Equal([spiffeId], Ids((await stream.NextAsync()).GetProperty("body")));

        (await CliAsync("entry", "delete", "--id", entryId)).ShouldSucceed();
        var end = await stream.NextAsync(PropagationTimeout);

        Assert.True(NodeLines.IsStatus(end), $"expected the stream to end, got {end}");
        Assert.Equal("PERMISSION_DENIED", end.GetProperty("name").GetString());
        Assert.Equal("no identity issued", end.GetProperty("details").GetString());
        Assert.Equal("PERMISSION_DENIED", (await NodeAsync(agent, "FetchX509SVID")).StatusName);
    }

    [Fact]
    public async Task DeletingOneOfTwoEntries_TheNextResponseLacksIt_AndKeepsTheOther()
    {
        var (agent, agentId) = await StartAgentAsync();
        var keptId = WorkloadIdPrefix + "kept";
        var goneId = WorkloadIdPrefix + "gone";
        await CreateWorkloadEntryAsync(keptId, agentId, OwnUidSelector);
        var goneEntry = await CreateWorkloadEntryAsync(goneId, agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [keptId, goneId]);

        var stream = StartNode(agent, "FetchX509SVID");
        var before = NodeLines.X509Svids((await stream.NextAsync()).GetProperty("body"));
        Assert.Equal([goneId, keptId], before.Select(s => s.SpiffeId).Order(StringComparer.Ordinal));

        (await CliAsync("entry", "delete", "--id", goneEntry)).ShouldSucceed();
        var next = await stream.NextAsync(PropagationTimeout);

        Assert.True(NodeLines.IsMessage(next), $"expected another response, got {next}");
        var after = Assert.Single(NodeLines.X509Svids(next.GetProperty("body")));
        Assert.Equal(keptId, after.SpiffeId);
        Assert.Equal(before.Single(s => s.SpiffeId == keptId).Serial, after.Serial);
        var jwt = await NodeAsync(agent, "FetchJWTSVID", ["removal-audience", goneId]);
        Assert.Equal("PERMISSION_DENIED", jwt.StatusName);
    }
}
