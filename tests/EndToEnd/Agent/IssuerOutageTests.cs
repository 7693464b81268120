using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// The issuer crashing (SIGKILL) does not take identities away from workloads: the agent keeps serving
/// what it has, and catches up once the issuer is back on the same data directory and ports.
/// </summary>
public sealed class IssuerOutageTests : AgentTest
{
    public IssuerOutageTests(ITestOutputHelper output)
        : base(new IssuerProcess(), output, ownsIssuer: true)
    {
    }

    [Fact]
    public async Task IssuerKilled_AgentKeepsServingCachedSvids_AndRecoversWhenTheIssuerIsBack()
    {
        var (agent, agentId) = await StartAgentAsync();
        var cached = WorkloadIdPrefix + "cached";
        await CreateWorkloadEntryAsync(cached, agentId, OwnUidSelector);
        var served = Assert.Single(await WaitForSvidsAsync(agent, [cached]));

        var mark = agent.LogMark;
        await Issuer.KillAsync();
        await agent.WaitForLogAsync("Sync failed", mark);

        var whileDown = await NodeAsync(agent, "FetchX509SVID", ["--count", "1"]);
        Assert.Equal("OK", whileDown.StatusName);
        var svid = Assert.Single(NodeLines.X509Svids(whileDown.Messages[0]));
        Assert.Equal(cached, svid.SpiffeId);
        Assert.Equal(served.Serial, svid.Serial);
        var files = await WriteSvidFilesAsync(svid, Path.Combine(agent.Directory, "while-down"));
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), cached, agent.BundleFile);
        (await AgentApiAsync(agent, "api", "fetch", "x509")).ShouldSucceed();
        (await agent.HealthcheckAsync()).ShouldSucceed();

        await Issuer.StartAsync();
        var created = WorkloadIdPrefix + "created-after-outage";
        await CreateWorkloadEntryAsync(created, agentId, OwnUidSelector);

        var recovered = await WaitForSvidsAsync(agent, [cached, created]);
        var files2 = await WriteSvidFilesAsync(recovered.Single(s => s.SpiffeId == created), Path.Combine(agent.Directory, "after-outage"));
        await AssertSvidFilesAsync(Path.Combine(files2, "svid.pem"), Path.Combine(files2, "svid.key"), created, agent.BundleFile);
        Assert.DoesNotContain("Attested with", agent.LogSince(mark), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssuerDownPastTheSvidsExpiry_AgentStopsServingTheExpiredSvid()
    {
        var (agent, agentId) = await StartAgentAsync(overrides: ["--Agent:SyncInterval=00:00:01"]);
        var shortLived = WorkloadIdPrefix + "short-lived";
        await CreateWorkloadEntryAsync(shortLived, agentId, OwnUidSelector, "--x509-ttl", "15s");
        var served = Assert.Single(await WaitForSvidsAsync(agent, [shortLived]));

        await Issuer.KillAsync();
        await agent.WaitForLogAsync("no longer served", timeout: TimeSpan.FromSeconds(90));

        // Fail closed: an expired SVID is not handed out while the issuer cannot renew it.
        var afterExpiry = await NodeAsync(agent, "FetchX509SVID", ["--count", "1"]);
        Assert.Equal("PERMISSION_DENIED", afterExpiry.StatusName);
        Assert.NotEqual(string.Empty, served.Serial);
    }

    [Fact]
    public async Task IssuerStoppedPastHalfTheTtl_WorkloadKeepsAValidSvid_AndGetsARenewedOneOnceTheIssuerIsBack()
    {
        var (agent, agentId) = await StartAgentAsync(overrides: ["--Agent:SyncInterval=00:00:01"]);
        var spiffeId = WorkloadIdPrefix + "outage-renewal";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector, "--x509-ttl", "30s");
        var (stream, first) = await WatchSvidAsync(agent, spiffeId);

        var mark = agent.LogMark;
        Assert.Equal(0, await Issuer.StopAsync());
        await agent.WaitForLogAsync("Sync failed", mark);

        // Past the half-life the agent wants to renew and cannot; what it serves is still the valid SVID.
        var pastHalfLife = first.NotBefore + ((first.NotAfter - first.NotBefore) * 0.6);
        while (DateTimeOffset.UtcNow < pastHalfLife)
        {
            await Task.Delay(250);
        }

        var whileDown = await NodeAsync(agent, "FetchX509SVID", ["--count", "1"]);
        Assert.Equal("OK", whileDown.StatusName);
        var served = Assert.Single(NodeLines.X509Svids(whileDown.Messages[0]));
        Assert.Equal(first.Serial, served.Serial);
        Assert.True(served.NotAfter > DateTimeOffset.UtcNow, $"the agent served an SVID that expired at {served.NotAfter:O}");
        var files = await WriteSvidFilesAsync(served, Path.Combine(agent.Directory, "while-down"));
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), spiffeId, agent.BundleFile);

        await Issuer.StartAsync();
        var (renewed, _) = await NextOtherSerialAsync(stream, first.Serial);

        Assert.Equal(spiffeId, renewed.SpiffeId);
        Assert.True(renewed.NotAfter > first.NotAfter, $"renewed NotAfter {renewed.NotAfter:O} is not after {first.NotAfter:O}");
        var outageLog = agent.LogSince(mark);
        Assert.DoesNotContain("Attested with", outageLog, StringComparison.Ordinal);

        // While the issuer was unreachable the agent retried every sync interval, never backing off further.
        var delays = System.Text.RegularExpressions.Regex.Matches(outageLog, @"Sync failed; retrying in (\S+):").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal(["00:00:01"], delays);
    }
}
