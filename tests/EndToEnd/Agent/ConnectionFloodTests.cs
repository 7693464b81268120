using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// A local user who opens thousands of idle connections to the world-writable Workload API socket:
/// the agent keeps running, keeps serving other users, cuts the flood to its per-uid bound at once,
/// gives its memory back afterwards, and drops connections that carry no call.
/// </summary>
public sealed class ConnectionFloodTests : AgentTest, IClassFixture<IssuerProcess>
{
    /// <summary>Connections the flood opens: many times the per-uid bound, few enough for a small test machine.</summary>
    private const int FloodSize = 5000;

    /// <summary>The default WorkloadApi:MaxConnectionsPerUid.</summary>
    private const int DefaultMaxConnectionsPerUid = 256;

    /// <summary>An idle agent stays well under this; the flood must not leave it above.</summary>
    private const long ResidentBoundMiB = 200;

    public ConnectionFloodTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task IdleConnectionFlood_FromOneUid_IsCutToItsBound_WhileAnotherUidIsServed_AndMemoryReturns()
    {
        var nobody = LocalUser.Named("nobody");
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "flood-bystander";
        await CreateWorkloadEntryAsync(spiffeId, agentId, "unix:uid:" + nobody.Uid);
        await WaitForSvidsAsync(agent, [spiffeId], nobody);
        var pid = agent.ProcessId!.Value;
        var before = ConnectionFlood.ResidentMiB(pid);

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        long during;
        NodeCallResult fetched;
        int stillOpen;
        using (var flood = await ConnectionFlood.OpenAsync(agent.SocketPath, FloodSize, cts.Token))
        {
            during = ConnectionFlood.ResidentMiB(pid);
            fetched = await NodeAsync(agent, "FetchX509SVID", ["--count", "1"], nobody);
            stillOpen = await flood.WaitUntilAtMostOpenAsync(DefaultMaxConnectionsPerUid, TimeSpan.FromSeconds(30));
            Output.WriteLine($"agent RSS {before} MiB before, {during} MiB with {flood.Opened} idle connections of uid {LocalUser.CurrentUid()} opened ({flood.Retried} connects retried after EAGAIN); the agent closed {flood.Opened - stillOpen}, {stillOpen} left open");
        }

        var (after, samples) = await WaitForResidentAtMostAsync(pid, ResidentBoundMiB, TimeSpan.FromSeconds(60));
        Output.WriteLine($"agent RSS after the flood closed: {string.Join(", ", samples)} MiB");

        Assert.False(agent.HasExited, $"the agent exited during the flood\n{agent.Log}");
        Assert.Equal("OK", fetched.StatusName);
        Assert.Equal([spiffeId], Ids(Assert.Single(fetched.Messages)));
        Assert.True(stillOpen <= DefaultMaxConnectionsPerUid, $"{stillOpen} of {FloodSize} idle connections of one uid are still open; at most {DefaultMaxConnectionsPerUid} may be");
        Assert.Contains("WorkloadApi:MaxConnectionsPerUid", agent.Log, StringComparison.Ordinal);
        Assert.True(after <= ResidentBoundMiB, $"the agent's RSS stayed at {after} MiB after the flood closed (samples {string.Join(", ", samples)})");

        // And it still serves after the flood.
        var later = await NodeAsync(agent, "FetchX509SVID", ["--count", "1"], nobody);
        Assert.Equal("OK", later.StatusName);
    }

    [Fact]
    public async Task ConnectionWithoutACall_IsClosedAfterTheIdleTimeout_WhileAWatchingStreamStaysOpen()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token, new Dictionary<string, string> { ["WorkloadApi:IdleConnectionTimeout"] = "00:00:02" });
        await agent.StartAsync();
        var first = WorkloadIdPrefix + "idle-first";
        await CreateWorkloadEntryAsync(first, agentId, OwnUidSelector);
        var (stream, _) = await WatchSvidAsync(agent, first);

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var idle = await ConnectionFlood.OpenAsync(agent.SocketPath, 1, cts.Token);
        var open = await idle.WaitUntilAtMostOpenAsync(0, TimeSpan.FromSeconds(60));
        Assert.Equal(0, open);

        // The watching stream outlived the idle connection: it still gets the next change.
        var second = WorkloadIdPrefix + "idle-second";
        await CreateWorkloadEntryAsync(second, agentId, OwnUidSelector);
        var deadline = DateTime.UtcNow + PropagationTimeout;
        IReadOnlyList<string> ids;
        do
        {
            var line = await stream.NextAsync(PropagationTimeout);
            Assert.True(NodeLines.IsMessage(line), $"the watching stream ended: {line}");
            ids = Ids(line.GetProperty("body"));
        }
        while (ids.Count < 2 && DateTime.UtcNow < deadline);

        Assert.Equal([first, second], ids.Order(StringComparer.Ordinal));
    }

    private static async Task<(long Last, IReadOnlyList<long> Samples)> WaitForResidentAtMostAsync(int pid, long boundMiB, TimeSpan timeout)
    {
        var samples = new List<long>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var rss = ConnectionFlood.ResidentMiB(pid);
            samples.Add(rss);
            if (rss <= boundMiB || DateTime.UtcNow > deadline)
            {
                return (rss, samples);
            }

            await Task.Delay(1000);
        }
    }
}
