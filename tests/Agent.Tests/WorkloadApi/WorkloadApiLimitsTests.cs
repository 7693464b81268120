using IdentityIssuer.Agent.Tests.Support;
using IdentityIssuer.Agent.WorkloadApi;
using IdentityIssuer.Spiffe.WorkloadApi;
using IdentityIssuer.Tests.Common.Node;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

/// <summary>What one caller can make the Workload API do: attestations are cached per process, streams are bounded.</summary>
public sealed class WorkloadApiLimitsTests : WorkloadApiTest
{
    protected override IReadOnlyDictionary<string, string?> ServerSettings { get; } = new Dictionary<string, string?>
    {
        [$"{WorkloadApiOptions.SectionName}:MaxStreamsPerUid"] = "2",
        [$"{WorkloadApiOptions.SectionName}:MaxStreams"] = "3",

        // Long enough that a slow machine does not see the cache expire part-way through a test.
        [$"{WorkloadApiOptions.SectionName}:AttestationCacheTtl"] = "00:01:00",
    };

    [Fact]
    public async Task ManyFetches_FromOneProcess_AreAttestedOnce()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        using var client = new WorkloadApiClient(Server.Address);

        for (var i = 0; i < 5; i++)
        {
            await client.FetchX509ContextAsync();
            await client.FetchJwtBundlesAsync();
        }

        var attested = Assert.Single(Server.Attestation.Seen);
        Assert.Equal(Environment.ProcessId, attested.ProcessId);
    }

    [Fact]
    public async Task StreamOverThePerUidBound_IsResourceExhausted_AndAClosedStreamFreesItsPlace()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        using var client = new WorkloadApiClient(Server.Address);
        using var first = new CancellationTokenSource();
        await using var one = client.WatchX509ContextAsync(first.Token).GetAsyncEnumerator(first.Token);
        await using var two = client.WatchX509ContextAsync().GetAsyncEnumerator();
        Assert.True(await one.MoveNextAsync());
        Assert.True(await two.MoveNextAsync());

        var third = await Assert.ThrowsAsync<WorkloadApiException>(() => client.FetchX509BundlesAsync());
        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await one.MoveNextAsync());
        var afterClose = await FetchWhenAStreamIsFreeAsync(client);

        Assert.Equal(GrpcStatusCode.ResourceExhausted, third.StatusCode);
        Assert.Equal($"too many Workload API streams for uid {Users.CurrentUid()}: at most 2 at a time (WorkloadApi:MaxStreamsPerUid)", third.StatusMessage);
        Assert.Equal("spiffe://example.org/web", afterClose.DefaultSvid.Id.ToString());
    }

    [Fact]
    public async Task StreamOverTheTotalBound_IsResourceExhaustedForAnotherUidToo()
    {
        var nobody = Users.UidOf("nobody");
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]), Td.MintSvid("e2", "/nobody", [$"unix:uid:{nobody}"]));
        using var client = new WorkloadApiClient(Server.Address);
        await using var one = client.WatchX509ContextAsync().GetAsyncEnumerator();
        await using var two = client.WatchX509ContextAsync().GetAsyncEnumerator();
        Assert.True(await one.MoveNextAsync());
        Assert.True(await two.MoveNextAsync());
        await using var watcher = NodeWorkloadClient.Start(Server.SocketPath, "FetchX509SVID", runAs: LocalUser.Named("nobody"));
        Assert.Equal("message", (await watcher.NextAsync()).GetProperty("type").GetString());

        var fourth = await NodeWorkloadClient.RunAsync(Server.SocketPath, "FetchX509SVID", ["--count", "1"], runAs: LocalUser.Named("nobody"));

        Assert.Equal("RESOURCE_EXHAUSTED", fourth.StatusName);
        Assert.Equal("too many Workload API streams: at most 3 at a time on this agent (WorkloadApi:MaxStreams)", fourth.StatusDetails);
    }

    // The server frees a cancelled stream's place when it sees the reset, a moment after the client sends it.
    private static async Task<X509Context> FetchWhenAStreamIsFreeAsync(WorkloadApiClient client)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await client.FetchX509ContextAsync();
            }
            catch (WorkloadApiException e) when (e.StatusCode == GrpcStatusCode.ResourceExhausted && attempt < 100)
            {
                await Task.Delay(50);
            }
        }
    }
}
