using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>The gateway's own SVID rotates under it: new connections get the new one, open connections keep working, nothing restarts.</summary>
public sealed class GatewayRotationTests : GatewayTestBase, IClassFixture<IssuerProcess>
{
    private const string Prefix = WorkloadIdPrefix + "gw-rotation/";
    private const string GatewayId = Prefix + "gateway";
    private const string ToolApiId = Prefix + "tool-api";
    private const string Caller = Prefix + "caller";

    /// <summary>Long enough for a 20 s SVID to be replaced at half-life, twice over.</summary>
    private static readonly TimeSpan RotationTimeout = TimeSpan.FromSeconds(60);

    public GatewayRotationTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task Gateway_ServesItsRotatedSvidToNewConnections_WithoutRestartOrDroppingOpenOnes()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token);
        await agent.StartAsync();
        var svids = await RegisterAsync(agent, agentId, new Dictionary<string, string[]>
        {
            [GatewayId] = ["--x509-ttl", "20s"], [ToolApiId] = [], [Caller] = [],
        });
        var policy = $$"""
            { "tools": { "search": { "risk": "read" } },
              "rules": [ { "name": "caller", "spiffeId": "{{Caller}}", "tools": ["search"], "actions": ["query"], "targets": ["**"] } ] }
            """;
        var api = await StartToolApiAsync(agent, ToolApiId, GatewayId);
        var gateway = await StartGatewayAsync(agent, GatewayId, api, ToolApiId, policy);
        var pid = gateway.ProcessId;
        var bundle = Bundle(agent);
        var search = new Uri(gateway.Address, "search?index=docs");

        using var kept = new SvidHttpClient(svids[Caller], bundle);
        Assert.Equal(200, (await SendAsync(kept, HttpMethod.Get, search)).Status);
        var firstSerial = kept.LastServerSerial;
        Output.WriteLine($"the gateway first served serial {firstSerial}");

        using var fresh = new SvidHttpClient(svids[Caller], bundle, newConnectionPerRequest: true);
        var deadline = DateTime.UtcNow + RotationTimeout;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, $"the gateway still served serial {firstSerial} {RotationTimeout} after it started");
            await Task.Delay(500);
            Assert.Equal(200, (await SendAsync(fresh, HttpMethod.Get, search)).Status);
        }
        while (fresh.LastServerSerial == firstSerial);

        Output.WriteLine($"new connections now get serial {fresh.LastServerSerial}");
        var health = Record(await gateway.CliAsync("healthcheck")).ShouldSucceed();
        Assert.Contains(fresh.LastServerSerial!, health.StdOut, StringComparison.Ordinal);

        // The connection opened before the rotation still serves, without a new handshake.
        Assert.Equal(200, (await SendAsync(kept, HttpMethod.Get, search)).Status);
        Assert.Equal(1, kept.Handshakes);
        Assert.Equal(pid, gateway.ProcessId);
        AssertEveryAnswerAuditedOnce(gateway);
    }
}
