using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>
/// The real gateway and the sample tool API (the library's RequireToolCapability) each with a YAML
/// policy: who gets through, and a hot reload of the YAML file, good and bad.
/// </summary>
public sealed class GatewayYamlPolicyTests : GatewayTestBase, IClassFixture<IssuerProcess>
{
    private const string Prefix = WorkloadIdPrefix + "gw-yaml/";
    private const string GatewayId = Prefix + "gateway";
    private const string ToolApiId = Prefix + "tool-api";
    private const string Research = Prefix + "agents/research/r1";
    private const string Intruder = Prefix + "intruder";

    private static readonly string Policy = $$"""
        # The gateway's policy.
        tools:
          search: { risk: read }
          deploy: { risk: high-risk }
        rules:
          - name: research-search
            spiffeId: "{{Prefix}}agents/research/*"
            tools: [search]
            actions: [query, call]
            targets: [docs, "docs/*"]
        """;

    private static readonly string ToolApiYamlPolicy = $$"""
        tools:
          search: { risk: read }
          deploy: { risk: mutate }
        rules:
          - name: gateway
            spiffeId: {{GatewayId}}
            tools: ["*"]
            actions: ["**"]
            targets: ["**"]
        """;

    public GatewayYamlPolicyTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task Gateway_WithAYamlPolicy_AllowsAndDeniesByIt_AndHotReloadsIt()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token);
        await agent.StartAsync();
        var svids = await RegisterAsync(agent, agentId, new Dictionary<string, string[]>
        {
            [GatewayId] = [], [ToolApiId] = [], [Research] = [], [Intruder] = [],
        });
        var api = await StartToolApiAsync(agent, ToolApiId, GatewayId, ToolApiYamlPolicy, "policy.yaml");
        var gateway = await StartGatewayAsync(agent, GatewayId, api, ToolApiId, Policy, "policy.yaml");
        var bundle = Bundle(agent);
        using var research = new SvidHttpClient(svids[Research], bundle);
        using var intruder = new SvidHttpClient(svids[Intruder], bundle);
        var search = new Uri(gateway.Address, "search?q=tls&index=docs");

        // Allowed by the gateway's YAML rule, then by the tool API's own YAML policy.
        var allowed = await SendAsync(research, HttpMethod.Get, search);
        Assert.Equal(200, allowed.Status);
        Assert.Equal(Research, allowed.Json.GetProperty("seen").GetProperty("workloadSpiffeIdHeader").GetString());

        // No rule for this caller: denied by default.
        var denied = await SendAsync(intruder, HttpMethod.Get, search);
        Assert.Equal(403, denied.Status);
        Assert.Equal($$"""{"error":"access denied","workload":"{{Intruder}}","required":"search:query","target":"docs"}""", denied.Json.GetRawText());
        Assert.Equal(403, (await SendAsync(research, HttpMethod.Get, new Uri(gateway.Address, "search?index=hr"))).Status);

        // Hot reload: a rule for the intruder takes effect without a restart; a broken YAML file is
        // refused with every problem and its line logged, keeping the last good policy.
        var mark = gateway.LogMark;
        await File.WriteAllTextAsync(gateway.PolicyFile, Policy + $"""

              - name: intruder-now
                spiffeId: {Intruder}
                tools: [search]
                actions: [query]
                targets: [docs]
            """);
        await gateway.WaitForLogAsync("Reloaded policy", mark);
        Assert.Equal(200, (await SendAsync(intruder, HttpMethod.Get, search)).Status);
        mark = gateway.LogMark;
        await File.WriteAllTextAsync(gateway.PolicyFile, "tools:\n  search: { risk: harmless }\nrules:\n  - name: x\n    name: y\n");
        await gateway.WaitForLogAsync("keeping the policy in force", mark);
        var log = gateway.LogSince(mark);
        Assert.Contains("line 2, column 19: tools.search.risk: 'harmless' is not a risk tier", log, StringComparison.Ordinal);
        Assert.Contains("line 5, column 5: rules[0].name: duplicate key", log, StringComparison.Ordinal);
        Assert.Equal(200, (await SendAsync(intruder, HttpMethod.Get, search)).Status);

        AssertEveryAnswerAuditedOnce(gateway);
        var allowLine = gateway.AuditLines().Single(l => l.GetProperty("requestId").GetString() == allowed.RequestId);
        Assert.Equal("research-search", allowLine.GetProperty("rule").GetString());
    }
}
