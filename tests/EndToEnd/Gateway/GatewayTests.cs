using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Certificates;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>
/// identity-gateway in front of the sample tool API, with callers holding real SVIDs from the agent:
/// who gets through, what the tool API sees, MCP filtering, the approval flow, and the audit log.
/// </summary>
public sealed class GatewayTests : GatewayTestBase, IClassFixture<IssuerProcess>
{
    private const string Prefix = WorkloadIdPrefix + "gw/";
    private const string GatewayId = Prefix + "gateway";
    private const string ToolApiId = Prefix + "tool-api";
    private const string Research = Prefix + "agents/research/r1";
    private const string Intruder = Prefix + "intruder";
    private const string Ops = Prefix + "agents/ops";

    private static readonly string Policy = $$"""
        {
          "tools": {
            "search": { "risk": "read" },
            "delete_index": { "risk": "mutate" },
            "deploy": { "risk": "high-risk" }
          },
          "rules": [
            { "name": "research-search", "spiffeId": "{{Prefix}}agents/research/*", "tools": ["search"], "actions": ["query", "call"], "targets": ["docs", "docs/*"] },
            { "name": "ops", "spiffeId": "{{Ops}}", "tools": ["search", "deploy"], "actions": ["**"], "targets": ["**"] }
          ]
        }
        """;

    public GatewayTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task Gateway_LetsOnlyAllowedCallersThrough_TellsTheToolApiWhoCalled_AndAuditsEveryDecisionOnce()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token);
        await agent.StartAsync();
        var svids = await RegisterAsync(agent, agentId, new Dictionary<string, string[]>
        {
            [GatewayId] = [], [ToolApiId] = [], [Research] = [], [Intruder] = [], [Ops] = [],
        });
        var api = await StartToolApiAsync(agent, ToolApiId, GatewayId);
        var gateway = await StartGatewayAsync(agent, GatewayId, api, ToolApiId, Policy);
        var bundle = Bundle(agent);
        var answers = new List<Answer>();
        using var research = new SvidHttpClient(svids[Research], bundle);
        using var intruder = new SvidHttpClient(svids[Intruder], bundle);
        using var ops = new SvidHttpClient(svids[Ops], bundle);
        using var anonymous = new SvidHttpClient(null, bundle);
        var search = new Uri(gateway.Address, "search?q=tls&index=docs");

        // Allowed: the tool API sees the caller's ID from the gateway, once, even though the caller
        // tried to claim another identity in the header (in two spellings).
        var allowed = await Keep(SendAsync(research, HttpMethod.Get, search, null, ("X-Workload-Spiffe-Id", Ops), ("x-workload-spiffe-id", Ops)));
        Assert.Equal(200, allowed.Status);
        var seen = allowed.Json.GetProperty("seen");
        Assert.Equal(Research, seen.GetProperty("workloadSpiffeIdHeader").GetString());
        Assert.Equal(1, seen.GetProperty("workloadSpiffeIdHeaderCount").GetInt32());
        Assert.Equal(GatewayId, seen.GetProperty("peer").GetString());

        // No client certificate.
        var missing = await Keep(SendAsync(anonymous, HttpMethod.Get, search));
        Assert.Equal(401, missing.Status);
        Assert.Equal("""{"error":"missing workload identity"}""", missing.Json.GetRawText());

        // Another identity on the same tool.
        var denied = await Keep(SendAsync(intruder, HttpMethod.Get, search));
        Assert.Equal(403, denied.Status);
        Assert.Equal($$"""{"error":"access denied","workload":"{{Intruder}}","required":"search:query","target":"docs"}""", denied.Json.GetRawText());

        // A path no route maps is no tool call anyone may make.
        var unmapped = await Keep(SendAsync(research, HttpMethod.Get, new Uri(gateway.Address, "admin/users")));
        Assert.Equal(403, unmapped.Status);
        Assert.Equal($$"""{"error":"access denied","workload":"{{Research}}"}""", unmapped.Json.GetRawText());

        // Allowed caller, target outside its rule.
        var outside = await Keep(SendAsync(research, HttpMethod.Get, new Uri(gateway.Address, "search?q=x&index=hr/salaries")));
        Assert.Equal(403, outside.Status);

        // Another trust domain's SVID, however well-formed, is not a caller.
        var otherCa = TestCertificates.CreateRootCa("spiffe://other.org");
        using (var foreign = new SvidHttpClient(TestCertificates.CreateLeaf(otherCa, "spiffe://other.org/agents/research/r1"), bundle))
        {
            var refused = await Keep(SendAsync(foreign, HttpMethod.Get, search));
            Assert.Equal(401, refused.Status);
            Assert.Equal("""{"error":"invalid workload identity"}""", refused.Json.GetRawText());
        }

        // An expired SVID of the right trust domain (minted with the shortest TTL, then waited out).
        using (var expired = new SvidHttpClient(await MintExpiredAsync(Research), bundle))
        {
            var refused = await Keep(SendAsync(expired, HttpMethod.Get, search));
            Assert.Equal(401, refused.Status);
            Assert.Equal("""{"error":"invalid workload identity"}""", refused.Json.GetRawText());
        }

        // MCP: tools/list is filtered per caller; tools/call is authorized by params.name and the target argument.
        var mcp = new Uri(gateway.Address, "mcp");
        var list = new { jsonrpc = "2.0", id = 1, method = "tools/list" };
        Assert.Equal(["search"], Tools(await Keep(SendAsync(research, HttpMethod.Post, mcp, list))));
        Assert.Equal(["deploy", "search"], Tools(await Keep(SendAsync(ops, HttpMethod.Post, mcp, list))));
        Assert.Empty(Tools(await Keep(SendAsync(intruder, HttpMethod.Post, mcp, list))));

        var call = await Keep(SendAsync(research, HttpMethod.Post, mcp, new { jsonrpc = "2.0", id = 2, method = "tools/call", @params = new { name = "search", arguments = new { q = "x", index = "docs" } } }));
        Assert.Equal(200, call.Status);
        Assert.Equal(Research, call.Json.GetProperty("result").GetProperty("seen").GetProperty("workloadSpiffeIdHeader").GetString());
        var mcpDenied = await Keep(SendAsync(research, HttpMethod.Post, mcp, new { jsonrpc = "2.0", id = 3, method = "tools/call", @params = new { name = "delete_index", arguments = new { index = "docs" } } }));
        Assert.Equal(403, mcpDenied.Status);
        Assert.Equal($$"""{"error":"access denied","workload":"{{Research}}","required":"delete_index:call","target":"docs"}""", mcpDenied.Json.GetRawText());

        // High risk: the first call asks for an approval; once approved, one retry passes; the next needs a new one.
        var deploy = new Uri(gateway.Address, "deploy/billing?version=7");
        var deployBody = new { reason = "hotfix" };
        var first = await Keep(SendAsync(ops, HttpMethod.Post, deploy, deployBody));
        Assert.Equal(403, first.Status);
        Assert.Equal("approval required", first.Json.GetProperty("error").GetString());
        Assert.Equal("deploy:run", first.Json.GetProperty("required").GetString());
        var approvalId = first.Json.GetProperty("approvalId").GetString()!;

        var pending = JsonDocument.Parse(Record(await gateway.CliAsync("approvals", "list", "--output", "json")).ShouldSucceed().StdOut).RootElement.GetProperty("approvals");
        var request = Assert.Single(pending.EnumerateArray());
        Assert.Equal(approvalId, request.GetProperty("id").GetString());
        Assert.Equal("pending", request.GetProperty("state").GetString());
        Assert.Equal(Ops, request.GetProperty("spiffeId").GetString());
        Assert.Equal("billing", request.GetProperty("target").GetString());

        // The operator sees what exactly is approved: the query and the body's size and digest (text and JSON).
        Assert.Equal("?version=7", request.GetProperty("query").GetString());
        Assert.StartsWith("19 bytes, sha256 ", request.GetProperty("body").GetString(), StringComparison.Ordinal);
        var listed = Record(await gateway.CliAsync("approvals", "list")).ShouldSucceed().StdOut;
        Assert.Contains("query:     ?version=7", listed, StringComparison.Ordinal);
        Assert.Contains("body:      19 bytes, sha256 ", listed, StringComparison.Ordinal);

        // Still pending: the retry is refused with the same request.
        Assert.Equal(approvalId, (await Keep(SendAsync(ops, HttpMethod.Post, deploy, deployBody))).Json.GetProperty("approvalId").GetString());
        var approve = Record(await gateway.CliAsync("approvals", "approve", approvalId, "--ttl", "5m")).ShouldSucceed();
        Assert.Contains($"Approved {approvalId}: {Ops} may call deploy:run on 'billing' once", approve.StdOut, StringComparison.Ordinal);

        // Bound to the whole call: another service, another query or another body is not covered.
        Assert.Equal(403, (await Keep(SendAsync(ops, HttpMethod.Post, new Uri(gateway.Address, "deploy/payments?version=7"), deployBody))).Status);
        Assert.Equal(403, (await Keep(SendAsync(ops, HttpMethod.Post, new Uri(gateway.Address, "deploy/billing?version=8"), deployBody))).Status);
        Assert.Equal(403, (await Keep(SendAsync(ops, HttpMethod.Post, deploy, new { reason = "anything" }))).Status);
        var granted = await Keep(SendAsync(ops, HttpMethod.Post, deploy, deployBody));
        Assert.Equal(200, granted.Status);
        Assert.Equal(Ops, granted.Json.GetProperty("seen").GetProperty("workloadSpiffeIdHeader").GetString());
        var again = await Keep(SendAsync(ops, HttpMethod.Post, deploy, deployBody));
        Assert.Equal(403, again.Status);
        Assert.NotEqual(approvalId, again.Json.GetProperty("approvalId").GetString());
        Record(await gateway.CliAsync("approvals", "approve", approvalId)).ShouldFail();

        // An MCP high-risk call: the list shows its arguments.
        var mcpDeploy = await Keep(SendAsync(ops, HttpMethod.Post, mcp, new { jsonrpc = "2.0", id = 9, method = "tools/call", @params = new { name = "deploy", arguments = new { service = "billing", version = 9 } } }));
        Assert.Equal("approval required", mcpDeploy.Json.GetProperty("error").GetString());
        var mcpListed = Record(await gateway.CliAsync("approvals", "list")).ShouldSucceed().StdOut;
        Assert.Contains("""arguments: {"service":"billing","version":9}""", mcpListed, StringComparison.Ordinal);

        // The policy is hot-reloaded: granting the intruder search on docs takes effect without a restart,
        // and a broken policy file afterwards is refused with every problem logged, keeping the last good one.
        var mark = gateway.LogMark;
        var intruderRule = $$"""{ "name": "intruder-now", "spiffeId": "{{Intruder}}", "tools": ["search"], "actions": ["query"], "targets": ["docs"] },""";
        await File.WriteAllTextAsync(gateway.PolicyFile, Policy.Replace("\"rules\": [", "\"rules\": [ " + intruderRule, StringComparison.Ordinal));
        await gateway.WaitForLogAsync("Reloaded policy", mark);
        Assert.Equal(200, (await Keep(SendAsync(intruder, HttpMethod.Get, search))).Status);
        mark = gateway.LogMark;
        await File.WriteAllTextAsync(gateway.PolicyFile, """{ "tools": { "search": { "risk": "harmless" } }, "rules": [ { "name": "x" } ] }""");
        await gateway.WaitForLogAsync("keeping the policy in force", mark);
        Assert.Contains("tools.search.risk: 'harmless' is not a risk tier", gateway.LogSince(mark), StringComparison.Ordinal);
        Assert.Contains("rules[0].targets: required", gateway.LogSince(mark), StringComparison.Ordinal);
        Assert.Equal(200, (await Keep(SendAsync(intruder, HttpMethod.Get, search))).Status);

        // Refused certificates: the reason is in the gateway's log, not in the answer.
        Assert.Contains("no bundle for trust domain other.org", gateway.Log, StringComparison.Ordinal);
        Assert.Contains("certificate expired", gateway.Log, StringComparison.Ordinal);

        // Every answer above is one audit line, with the fields of its decision.
        AssertEveryAnswerAuditedOnce(gateway);
        var audit = gateway.AuditLines();
        foreach (var answer in answers)
        {
            var line = audit.Single(l => l.GetProperty("requestId").GetString() == answer.RequestId);
            foreach (var field in new[] { "time", "spiffeId", "serial", "tool", "action", "target", "risk", "decision", "rule", "reason", "upstreamStatus", "latencyMs" })
            {
                Assert.True(line.TryGetProperty(field, out _), $"audit line without {field}: {line}");
            }
        }

        var allowLine = audit.Single(l => l.GetProperty("requestId").GetString() == allowed.RequestId);
        Assert.Equal(Research, allowLine.GetProperty("spiffeId").GetString());
        Assert.Equal(svids[Research].SerialNumber.ToLowerInvariant(), allowLine.GetProperty("serial").GetString());
        Assert.Equal(("search", "query", "docs", "read", "allow", "research-search", 200), (
            allowLine.GetProperty("tool").GetString(), allowLine.GetProperty("action").GetString(), allowLine.GetProperty("target").GetString(),
            allowLine.GetProperty("risk").GetString(), allowLine.GetProperty("decision").GetString(), allowLine.GetProperty("rule").GetString(),
            allowLine.GetProperty("upstreamStatus").GetInt32()));
        var deniedLine = audit.Single(l => l.GetProperty("requestId").GetString() == denied.RequestId);
        Assert.Equal(("deny", Intruder), (deniedLine.GetProperty("decision").GetString(), deniedLine.GetProperty("spiffeId").GetString()));
        Assert.Equal(JsonValueKind.Null, deniedLine.GetProperty("upstreamStatus").ValueKind);
        Assert.Equal("approval-required", audit.Single(l => l.GetProperty("requestId").GetString() == first.RequestId).GetProperty("decision").GetString());
        Assert.Equal(approvalId, audit.Single(l => l.GetProperty("requestId").GetString() == granted.RequestId).GetProperty("approvalId").GetString());
        Assert.Contains("expired", audit.Where(l => l.GetProperty("status").GetInt32() == 401).Select(l => l.GetProperty("reason").GetString()).Aggregate((a, b) => a + b), StringComparison.Ordinal);
        Assert.DoesNotContain("tls", File.ReadAllText(gateway.AuditFile), StringComparison.Ordinal); // the query string (q=tls) is never logged

        async Task<Answer> Keep(Task<Answer> sent)
        {
            var answer = await sent;
            Assert.NotEmpty(answer.RequestId);
            answers.Add(answer);
            return answer;
        }
    }

    private static string[] Tools(Answer answer)
    {
        Assert.Equal(200, answer.Status);
        return [.. answer.Json.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];
    }

    /// <summary>Mints an SVID for <paramref name="spiffeId"/> with the shortest TTL and waits until it has expired.</summary>
    private async Task<X509Certificate2> MintExpiredAsync(string spiffeId)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ii-expired-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            (await CliAsync("svid", "mint", "x509", "--spiffe-id", spiffeId, "--ttl", "10s", "--write", directory)).ShouldSucceed();
            var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(directory, "svid.pem"), Path.Combine(directory, "svid.key"));
            var wait = certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow + TimeSpan.FromSeconds(1);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            return certificate;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
