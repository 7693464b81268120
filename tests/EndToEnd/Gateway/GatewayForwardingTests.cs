using System.Globalization;
using System.Text.Json.Nodes;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Gateway.Forwarding;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>
/// What identity-gateway sends to its upstream, seen by an upstream that records the request target
/// and headers exactly as they reached it: the path the policy authorized is the path forwarded, and
/// headers that claim who or where the caller is come from the gateway, never from the caller.
/// </summary>
public sealed class GatewayForwardingTests : GatewayTestBase, IClassFixture<IssuerProcess>
{
    private const string Prefix = WorkloadIdPrefix + "gw-forward/";
    private const string GatewayId = Prefix + "gateway";
    private const string Reader = Prefix + "reader";
    private const string Other = Prefix + "other";

    private static readonly string Policy = $$"""
        {
          "tools": { "files": { "risk": "read" }, "search": { "risk": "read" } },
          "rules": [
            { "name": "public-files", "spiffeId": "{{Reader}}", "tools": ["files"], "actions": ["read"], "targets": ["public/**"] },
            { "name": "public-search", "spiffeId": "{{Reader}}", "tools": ["search"], "actions": ["query"], "targets": ["public/**"] }
          ]
        }
        """;

    public GatewayForwardingTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task Forward_SendsExactlyThePathItAuthorized_AndRefusesEncodedTraversal()
    {
        var (gateway, upstream, reader) = await StartAsync();
        using var client = reader;

        // Allowed: the upstream sees the request target byte for byte as the caller sent it.
        foreach (var target in new[] { "/files/public/a.txt", "/files/public/a%20b.txt", "/files/public/a.txt?v=1%2B1&w=%2F" })
        {
            var allowed = await SendAsync(client, HttpMethod.Get, Raw(gateway, target));
            Assert.Equal(200, allowed.Status);
            Assert.Equal(target, upstream.Requests[^1].RawTarget);
        }

        // Encoded dot segments and encoded slashes would let public/** reach ../secret upstream.
        var refused = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/files/public/%252e%252e/secret"] = "'%252e%252e' is a dot segment",
            ["/files/public/%2e%2e/secret"] = "'%2e%2e' is a dot segment",
            ["/files/public/%2E./secret"] = "'%2E.' is a dot segment",
            ["/files/public/../secret"] = "'..' is a dot segment",
            ["/files/public/..%2Fsecret"] = "'..%2Fsecret' encodes a '/' or '\\'",
            ["/files/public/..%252Fsecret"] = "'..%252Fsecret' encodes a '/' or '\\'",
            ["/files/public/..%5Csecret"] = "'..%5Csecret' encodes a '/' or '\\'",
            ["/files/public/..;/secret"] = "'..;' is a dot segment",
            ["/search?index=public%2F..%2Fsecret"] = "target 'public/../secret' has a '.' or '..' segment",
        };
        var before = upstream.Requests.Count;
        foreach (var (target, reason) in refused)
        {
            var answer = await SendAsync(client, HttpMethod.Get, Raw(gateway, target));
            Assert.Equal(400, answer.Status);
            Assert.Contains(reason, answer.Json.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, upstream.Requests.Count);
        Assert.DoesNotContain(upstream.Requests, r => r.RawTarget.Contains("secret", StringComparison.Ordinal));

        // Outside the rule, unencoded: still the policy's 403.
        Assert.Equal(403, (await SendAsync(client, HttpMethod.Get, Raw(gateway, "/files/private/a.txt"))).Status);
        AssertEveryAnswerAuditedOnce(gateway);
    }

    [Fact]
    public async Task Forward_ReplacesIdentityAndForwardedHeaders_DropsAuthorization_AndRefusesUnderscoreIdentityHeaders()
    {
        var (gateway, upstream, reader) = await StartAsync();
        using var client = reader;
        var file = new Uri(gateway.Address, "files/public/a.txt");

        // CGI-style servers (WSGI, PHP, Rack, nginx) read X_Workload_Spiffe_Id as the identity header.
        foreach (var name in new[] { "X_Workload_Spiffe_Id", "x_workload-spiffe_id" })
        {
            var refused = await SendAsync(client, HttpMethod.Get, file, null, (name, Other));
            Assert.Equal(400, refused.Status);
            Assert.Equal($"header '{name}' is refused: servers that read '_' as '-' take it for {UpstreamForwarder.CallerHeader}", refused.Json.GetProperty("error").GetString());
        }

        Assert.Empty(upstream.Requests);

        var allowed = await SendAsync(
            client,
            HttpMethod.Get,
            file,
            null,
            ("X-Workload-Spiffe-Id", Other),
            ("X-Forwarded-For", "203.0.113.9"),
            ("X_Forwarded_For", "203.0.113.9"),
            ("X-Forwarded-Proto", "http"),
            ("X-Forwarded-Host", "evil.example"),
            ("Forwarded", "for=203.0.113.9;host=evil.example"),
            ("Authorization", "Bearer caller-token"));
        Assert.Equal(200, allowed.Status);
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal([Reader], seen.Values(UpstreamForwarder.CallerHeader));
        Assert.Equal(["127.0.0.1"], seen.Values("X-Forwarded-For"));
        Assert.Equal(["https"], seen.Values("X-Forwarded-Proto"));
        Assert.Equal(["127.0.0.1:" + gateway.Port.ToString(CultureInfo.InvariantCulture)], seen.Values("X-Forwarded-Host"));
        Assert.Empty(seen.Values("X_Forwarded_For"));
        Assert.Empty(seen.Values("Forwarded"));
        Assert.Empty(seen.Values("Authorization")); // no token passthrough (Upstream:ForwardAuthorization is off)
        AssertEveryAnswerAuditedOnce(gateway);
    }

    /// <summary>An agent serving the gateway's and the reader's SVIDs, the echo upstream, and the gateway with /files/{**path} and /search.</summary>
    private async Task<(GatewayProcess Gateway, EchoUpstream Upstream, SvidHttpClient Reader)> StartAsync()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token);
        await agent.StartAsync();
        var svids = await RegisterAsync(agent, agentId, new Dictionary<string, string[]> { [GatewayId] = [], [Reader] = [] });
        var upstream = await EchoUpstream.StartAsync();
        Track(upstream);
        var routes = new JsonArray(
            new JsonObject { ["Methods"] = new JsonArray("GET"), ["Path"] = "/files/{**path}", ["Tool"] = "files", ["Action"] = "read", ["Target"] = "{path}" },
            new JsonObject { ["Methods"] = new JsonArray("GET"), ["Path"] = "/search", ["Tool"] = "search", ["Action"] = "query", ["Target"] = "{query.index}" });
        var gateway = await StartGatewayAsync(agent, GatewayId, new JsonObject { ["Address"] = upstream.Address }, Policy, routes);
        return (gateway, upstream, new SvidHttpClient(svids[Reader], Bundle(agent)));
    }

    /// <summary>The gateway's address with <paramref name="pathAndQuery"/> exactly as written: no client-side decoding or dot-segment removal.</summary>
    private static Uri Raw(GatewayProcess gateway, string pathAndQuery) =>
        new(gateway.Address.AbsoluteUri.TrimEnd('/') + pathAndQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}
