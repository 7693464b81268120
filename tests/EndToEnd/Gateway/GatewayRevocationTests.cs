using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>
/// A revoked caller SVID is refused by the gateway once the CRL reaches it through its agent's
/// Workload API, while the caller's agent hands the workload a fresh SVID that gets through.
/// </summary>
public sealed class GatewayRevocationTests : GatewayTestBase, IClassFixture<IssuerProcess>
{
    private const string Prefix = WorkloadIdPrefix + "gw-revocation/";
    private const string GatewayId = Prefix + "gateway";
    private const string ToolApiId = Prefix + "tool-api";
    private const string Caller = Prefix + "agents/research";

    private static readonly string Policy = $$"""
        {
          "tools": { "search": { "risk": "read" } },
          "rules": [ { "name": "research", "spiffeId": "{{Caller}}", "tools": ["search"], "actions": ["**"], "targets": ["**"] } ]
        }
        """;

    public GatewayRevocationTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task RevokedCallerSvid_IsRefused_AndTheFreshOneGetsThrough()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token);
        await agent.StartAsync();
        var svids = await RegisterAsync(agent, agentId, new Dictionary<string, string[]> { [GatewayId] = [], [ToolApiId] = [], [Caller] = [] });
        var api = await StartToolApiAsync(agent, ToolApiId, GatewayId);
        var gateway = await StartGatewayAsync(agent, GatewayId, api, ToolApiId, Policy);
        var bundle = Bundle(agent);
        var search = new Uri(gateway.Address, "search?q=tls&index=docs");
        var revoked = svids[Caller];
        var serial = revoked.SerialNumber.ToLowerInvariant();

        using (var before = new SvidHttpClient(revoked, bundle))
        {
            Assert.Equal(200, (await SendAsync(before, HttpMethod.Get, search)).Status);
        }

        (await CliAsync("svid", "revoke", "--serial", serial, "--reason", "caller key leaked")).ShouldSucceed();

        // The CRL travels issuer → agent sync → Workload API → gateway; each attempt is a new TLS connection.
        Answer refused;
        var deadline = DateTime.UtcNow + PropagationTimeout;
        while (true)
        {
            using var attempt = new SvidHttpClient(revoked, bundle, newConnectionPerRequest: true);
            refused = await SendAsync(attempt, HttpMethod.Get, search);
            if (refused.Status != 200 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.Equal(401, refused.Status);
        Assert.Equal("""{"error":"invalid workload identity"}""", refused.Json.GetRawText());
        var line = Assert.Single(gateway.AuditLines(), l => l.GetProperty("requestId").GetString() == refused.RequestId);
        Assert.Contains($"certificate serial {serial} is revoked", line.GetRawText(), StringComparison.Ordinal);

        // The caller's agent replaced the revoked SVID; the new one (another serial) is let through.
        var fresh = await FreshSvidAsync(agent, serial);
        using var after = new SvidHttpClient(fresh, bundle);
        Assert.Equal(200, (await SendAsync(after, HttpMethod.Get, search)).Status);
        AssertEveryAnswerAuditedOnce(gateway);
    }

    private async Task<System.Security.Cryptography.X509Certificates.X509Certificate2> FreshSvidAsync(AgentProcess agent, string revokedSerial)
    {
        var deadline = DateTime.UtcNow + PropagationTimeout;
        while (true)
        {
            var current = (await FetchSvidsAsync(agent, [Caller]))[Caller];
            if (!string.Equals(current.SerialNumber, revokedSerial, StringComparison.OrdinalIgnoreCase))
            {
                return current;
            }

            Assert.True(DateTime.UtcNow < deadline, "the agent never replaced the revoked SVID");
            await Task.Delay(250);
        }
    }
}
