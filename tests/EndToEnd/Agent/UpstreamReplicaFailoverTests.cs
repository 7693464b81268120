using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Postgres;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// Two issuer replicas on one PostgreSQL database, each with its own intermediate under one upstream
/// CA; the shared bundle holds only the upstream root. An agent whose SVID replica A's intermediate
/// signed is accepted by replica B, after both replicas rotated, when A is gone.
/// </summary>
public sealed class UpstreamReplicaFailoverTests : AgentTest, IClassFixture<PostgresFixture>
{
    private readonly UpstreamCa _upstream;
    private readonly IssuerProcess _second;

    public UpstreamReplicaFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
        : this(postgres, new UpstreamCa(), output)
    {
    }

    private UpstreamReplicaFailoverTests(PostgresFixture postgres, UpstreamCa upstream, ITestOutputHelper output)
        : base(Replica(postgres, upstream, "replica-a"), output, ownsIssuer: true)
    {
        _upstream = upstream;
        _second = Replica(postgres, upstream, "replica-b");
    }

    [Fact]
    public async Task BothReplicasRotated_AgentSvidOfReplicaA_IsAcceptedByReplicaB_AndGetsANewEntry()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token, new Dictionary<string, string>
        {
            ["Agent:IssuerAddresses:0"] = Issuer.AgentApiAddress,
            ["Agent:IssuerAddresses:1"] = _second.AgentApiAddress,
        });
        await agent.StartAsync();
        var before = WorkloadIdPrefix + "upstream-replicas-before";
        await CreateWorkloadEntryAsync(before, agentId, OwnUidSelector);
        var first = Assert.Single(await WaitForSvidsAsync(agent, [before]));
        var initial = await ActiveX509AuthoritiesAsync();
        Assert.Equal(initial["replica-a"], first.SignedBy);
        var agentSerial = await AgentSvidSerialAsync(_second, agentId);

        var rotatedA = await RotateX509Async(Issuer);
        var rotatedB = await RotateX509Async(_second);
        var mark = agent.LogMark;
        await Issuer.KillAsync();

        // Only replica B is left to tell the agent about this entry; the agent's SVID is still the one A's first CA signed.
        var after = WorkloadIdPrefix + "upstream-replicas-after";
        Record(await _second.CliAsync("entry", "create", "--spiffe-id", after, "--parent-id", agentId, "--selector", OwnUidSelector)).ShouldSucceed();
        var svids = await WaitForSvidsAsync(agent, [before, after]);

        Assert.Equal(rotatedB, svids.Single(s => s.SpiffeId == after).SignedBy);
        Assert.NotEqual(rotatedA, rotatedB);
        Assert.Equal(agentSerial, await AgentSvidSerialAsync(_second, agentId));
        var log = agent.LogSince(mark);
        Assert.Contains("Now using issuer " + _second.AgentApiAddress, log, StringComparison.Ordinal);
        Assert.DoesNotContain("Attesting again", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Attested with", log, StringComparison.Ordinal);
        var files = await WriteSvidFilesAsync(svids.Single(s => s.SpiffeId == after), Path.Combine(agent.Directory, "after-failover"));
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), after, _upstream.CertificateFile, agent.BundleFile);
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await _second.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            Output.WriteLine("--- second replica log ---");
            Output.WriteLine(_second.Log);
            await _second.DisposeAsync();
            _upstream.Dispose();
        }
    }

    private static IssuerProcess Replica(PostgresFixture postgres, UpstreamCa upstream, string name) => IssuerProcess.Create(new Dictionary<string, string>(upstream.Settings)
    {
        ["Datastore:Provider"] = "postgres",
        ["Datastore:ConnectionString"] = postgres.ConnectionString,
        ["Ca:ReplicaName"] = name,
    });

    /// <summary>The serial of the agent's current SVID as <c>agent list</c> shows it.</summary>
    private async Task<string> AgentSvidSerialAsync(IssuerProcess issuer, string agentId)
    {
        using var json = ParseJson(Record(await issuer.CliAsync("agent", "list", "--output", "json")).ShouldSucceed());
        return json.RootElement.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("agentId").GetString() == agentId).GetProperty("svidSerial").GetString()!;
    }
}
