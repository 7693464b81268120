using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Postgres;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// Two issuer replicas on one PostgreSQL database, each with its own CA (both in the shared bundle) and
/// its own server SVID. An agent given both addresses keeps renewing its own SVID and its workloads'
/// through the second when the one it talks to is killed.
/// </summary>
public sealed class IssuerFailoverTests : AgentTest, IClassFixture<PostgresFixture>
{
    private readonly IssuerProcess _second;

    public IssuerFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
        : base(Replica(postgres, "replica-a"), output, ownsIssuer: true)
    {
        _second = Replica(postgres, "replica-b");
    }

    [Fact]
    public async Task IssuerKilled_AgentFailsOverToTheOtherReplica_AndKeepsRenewingItsAndTheWorkloadsSvids()
    {
        var bundle = (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;
        Assert.Equal(2, bundle.Split("BEGIN CERTIFICATE").Length - 1);
        var authorities = await ActiveX509AuthoritiesAsync();
        Assert.Equal(["replica-a", "replica-b"], authorities.Keys.Order(StringComparer.Ordinal));

        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token, new Dictionary<string, string>
        {
            ["Agent:IssuerAddresses:0"] = Issuer.AgentApiAddress,
            ["Agent:IssuerAddresses:1"] = _second.AgentApiAddress,
        });
        await agent.StartAsync();
        var spiffeId = WorkloadIdPrefix + "failover";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector, "--x509-ttl", "20s");
        var (stream, first) = await WatchSvidAsync(agent, spiffeId);
        Assert.Equal(authorities["replica-a"], first.SignedBy);

        var mark = agent.LogMark;
        await Issuer.KillAsync();

        // Renewals now come from the second replica, signed by its own CA.
        var latest = first;
        do
        {
            (latest, _) = await NextOtherSerialAsync(stream, latest.Serial);
            Output.WriteLine($"workload SVID serial {latest.Serial}, signed by {latest.SignedBy}, valid until {latest.NotAfter:O}");
        }
        while (latest.SignedBy != authorities["replica-b"]);

        Assert.True(latest.NotAfter > first.NotAfter);
        var files = await WriteSvidFilesAsync(latest, Path.Combine(agent.Directory, "after-failover"));
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), spiffeId, Path.Combine(files, "bundle.pem"), agent.BundleFile);

        await agent.WaitForLogAsync("Renewed agent SVID", mark, PropagationTimeout);
        var log = agent.LogSince(mark);
        Assert.Contains("Now using issuer " + _second.AgentApiAddress, log, StringComparison.Ordinal);
        Assert.DoesNotContain("Attested with", log, StringComparison.Ordinal);
        (await agent.HealthcheckAsync()).ShouldSucceed();
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
        }
    }

    private static IssuerProcess Replica(PostgresFixture postgres, string name) => IssuerProcess.Create(new Dictionary<string, string>
    {
        ["Datastore:Provider"] = "postgres",
        ["Datastore:ConnectionString"] = postgres.ConnectionString,
        ["Ca:ReplicaName"] = name,

        // The agent's own SVID lives 30 s, so it renews (at about 15 s) within the test.
        ["Issuer:DefaultX509SvidTtl"] = "00:00:30",
    });
}
