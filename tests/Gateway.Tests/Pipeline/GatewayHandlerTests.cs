using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using IdentityIssuer.Gateway.Approvals;
using IdentityIssuer.Gateway.Cli;
using IdentityIssuer.Gateway.Hosting;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Tests.Identity;
using IdentityIssuer.Tests.Common.Metrics;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Gateway.Tests.Pipeline;

/// <summary>
/// The gateway host in-process (its real mTLS listener, admin socket and pipeline) in front of a
/// plain HTTP upstream that counts what reaches it, called by test SVIDs.
/// </summary>
public sealed class GatewayHandlerTests : IAsyncLifetime
{
    private const string Ops = "spiffe://example.org/agents/ops";
    private readonly TestIdentity _td = new();
    private readonly string _directory = FreePort.ShortTempDirectory();
    private readonly int _port = FreePort.Next();
    private readonly int _upstreamPort = FreePort.Next();
    private readonly int _opsPort = FreePort.Next();
    private int _forwarded;
    private WebApplication? _upstream;
    private WebApplication? _gateway;

    private string AdminSocket => Path.Combine(_directory, "admin.sock");

    public async Task InitializeAsync()
    {
        var upstream = WebApplication.CreateSlimBuilder();
        upstream.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _upstreamPort));
        _upstream = upstream.Build();
        _upstream.Run(async context =>
        {
            Interlocked.Increment(ref _forwarded);
            using var reader = new StreamReader(context.Request.Body);
            await context.Response.WriteAsJsonAsync(new { method = context.Request.Method, body = await reader.ReadToEndAsync() });
        });
        await _upstream.StartAsync();

        var policy = Path.Combine(_directory, "policy.json");
        await File.WriteAllTextAsync(policy, """
            { "tools": { "search": { "risk": "read" }, "deploy": { "risk": "high-risk" } },
              "rules": [ { "name": "agents", "spiffeId": "spiffe://example.org/agents/*", "tools": ["*"], "actions": ["**"], "targets": ["**"] } ] }
            """);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Port"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:PolicyFile"] = policy,
            ["Gateway:AdminSocketPath"] = AdminSocket,
            ["Upstream:Address"] = $"http://127.0.0.1:{_upstreamPort}",
            ["Routes:0:Methods:0"] = "POST",
            ["Routes:0:Path"] = "/deploy/{service}",
            ["Routes:0:Tool"] = "deploy",
            ["Routes:0:Action"] = "run",
            ["Routes:0:Target"] = "{service}",
            ["Mcp:Path"] = "/mcp",
            ["Mcp:TargetArgument"] = "service",
            ["Audit:FilePath"] = Path.Combine(_directory, "audit.log"),
            ["Audit:Stdout"] = "false",
            ["Ops:Port"] = _opsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        var (settings, routes) = GatewayHost.Validate(configuration);
        _gateway = GatewayHost.Build(configuration, settings, routes, new StaticWorkloadIdentitySource(_td.With()));
        await _gateway.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { _gateway, _upstream })
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }

        Directory.Delete(_directory, recursive: true);
    }

    private HttpClient Client(string path) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = (_, _, _, _, _) => _td.Leaf(path),
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        },
    })
    { BaseAddress = new Uri($"https://127.0.0.1:{_port}/") };

    private static async Task<(HttpStatusCode Status, JsonElement Json)> SendAsync(HttpClient client, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private static string DeployCall(int id, string service, int version) =>
        $$"""{"jsonrpc":"2.0","id":{{id}},"method":"tools/call","params":{"name":"deploy","arguments":{"service":"{{service}}","version":{{version}}""" + "}}}";

    private void Approve(string id) => Assert.NotNull(_gateway!.Services.GetRequiredService<ApprovalStore>().Approve(id, null).Approval);

    private async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{_opsPort}/metrics"));
        return PrometheusText.Parse(text);
    }

    [Fact]
    public async Task DeniedCall_IsCountedByToolActionRiskAndDecision_WithoutTheCaller()
    {
        using var client = Client("/outsiders/intruder");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, HttpMethod.Post, "mcp", DeployCall(1, "billing", 1))).Status);

        var samples = await ScrapeAsync();
        Assert.Equal(1, PrometheusText.Value(samples, "identity_gateway_decisions_total", ("tool", "deploy"), ("action", "call"), ("risk", "high-risk"), ("decision", "deny")));
        Assert.DoesNotContain(samples, s => s.Labels.ContainsKey("caller"));
        Assert.Contains(samples, s => s.Name == "identity_gateway_added_latency_seconds_count" && s.Labels.GetValueOrDefault("decision") == "deny" && s.Value >= 1);
    }

    [Fact]
    public async Task CallsOfToolsOutsideThePolicy_CollapseIntoOneLabelValue()
    {
        using var client = Client("/agents/ops");
        foreach (var (id, tool) in new[] { (1, "made-up-1"), (2, "made-up-2") })
        {
            var body = $$"""{"jsonrpc":"2.0","id":{{id}},"method":"tools/call","params":{"name":"{{tool}}","arguments":{"service":"x"}""" + "}}";
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, HttpMethod.Post, "mcp", body)).Status);
        }

        var samples = await ScrapeAsync();
        Assert.Equal(2, PrometheusText.Value(samples, "identity_gateway_decisions_total", ("tool", "unknown"), ("action", "other"), ("decision", "deny")));
        Assert.DoesNotContain(samples, s => s.Labels.Values.Any(v => v.StartsWith("made-up", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task OpsPort_ServesHealthAndMetrics_ButNotTheToolSurface()
    {
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://127.0.0.1:{_opsPort}/health/live"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://127.0.0.1:{_opsPort}/health/ready"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync(new Uri($"http://127.0.0.1:{_opsPort}/deploy/billing"), new StringContent("{}"))).StatusCode);
        Assert.Equal(0, _forwarded);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS")]
    public async Task McpPath_MethodOtherThanGetPostOrDelete_Is405WithAllow_AndNotForwarded(string method)
    {
        using var client = Client("/agents/ops");
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri("mcp", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "POST", "DELETE"], response.Content.Headers.Allow);
        Assert.Equal(0, _forwarded);
    }

    [Fact]
    public async Task McpPath_GetAndDelete_AreForwarded()
    {
        using var client = Client("/agents/ops");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Get, "mcp")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Delete, "mcp")).Status);
        Assert.Equal(2, _forwarded);
    }

    [Fact]
    public async Task McpDuplicateKey_Is400NamingTheKey_AndNotForwarded()
    {
        using var client = Client("/agents/ops");
        var (status, json) = await SendAsync(client, HttpMethod.Post, "mcp", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","name":"search","arguments":{"service":"billing"}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("duplicate", json.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("'name'", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _forwarded);
    }

    [Fact]
    public async Task ApprovedMcpCall_WithOtherArguments_NeedsItsOwnApproval()
    {
        using var client = Client("/agents/ops");
        var (status, json) = await SendAsync(client, HttpMethod.Post, "mcp", DeployCall(1, "billing", 1));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        var approvalId = json.GetProperty("approvalId").GetString()!;
        Approve(approvalId);

        // Same tool and target, other arguments: not the approved call.
        var (changed, changedJson) = await SendAsync(client, HttpMethod.Post, "mcp", DeployCall(2, "billing", 2));
        Assert.Equal(HttpStatusCode.Forbidden, changed);
        Assert.Equal("approval required", changedJson.GetProperty("error").GetString());
        Assert.NotEqual(approvalId, changedJson.GetProperty("approvalId").GetString());
        Assert.Equal(0, _forwarded);

        // The approved call (another JSON-RPC id) passes once.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Post, "mcp", DeployCall(3, "billing", 1))).Status);
        Assert.Equal(1, _forwarded);
    }

    [Fact]
    public async Task ApprovedRestCall_WithAnotherBodyOrQuery_NeedsItsOwnApproval()
    {
        using var client = Client("/agents/ops");
        var (_, json) = await SendAsync(client, HttpMethod.Post, "deploy/billing", """{"version":1}""");
        Approve(json.GetProperty("approvalId").GetString()!);

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, HttpMethod.Post, "deploy/billing", """{"version":2}""")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, HttpMethod.Post, "deploy/billing?force=true", """{"version":1}""")).Status);
        Assert.Equal(0, _forwarded);

        var (status, answer) = await SendAsync(client, HttpMethod.Post, "deploy/billing", """{"version":1}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"version":1}""", answer.GetProperty("body").GetString()); // the buffered body still reaches the upstream
    }

    [Fact]
    public async Task ApprovalList_ShowsTheArgumentsOfEachRequest()
    {
        using var client = Client("/agents/ops");
        await SendAsync(client, HttpMethod.Post, "mcp", DeployCall(1, "billing", 7));
        await SendAsync(client, HttpMethod.Post, "deploy/payments?force=true", """{"version":8}""");

        using var admin = new GatewayAdminClient(AdminSocket);
        var approvals = (await admin.GetAsync("v1/approvals", CancellationToken.None)).GetProperty("approvals").EnumerateArray().ToList();
        Assert.Equal(2, approvals.Count);
        var mcp = approvals.Single(a => a.GetProperty("target").GetString() == "billing");
        Assert.Equal("""{"service":"billing","version":7}""", mcp.GetProperty("arguments").GetString());
        var rest = approvals.Single(a => a.GetProperty("target").GetString() == "payments");
        Assert.Equal("?force=true", rest.GetProperty("query").GetString());
        Assert.StartsWith("13 bytes, sha256 ", rest.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(64, mcp.GetProperty("digest").GetString()!.Length);
    }

    [Fact]
    public async Task PendingApprovals_AreBoundedPerCaller_With429()
    {
        using var ops = Client("/agents/ops");
        var max = new IdentityIssuer.Gateway.Configuration.ApprovalOptions().MaxPendingPerCaller;
        for (var i = 0; i < max; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(ops, HttpMethod.Post, "mcp", DeployCall(i, "billing", i))).Status);
        }

        var (status, json) = await SendAsync(ops, HttpMethod.Post, "mcp", DeployCall(max, "billing", max));
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains($"{max} pending approval requests", json.GetProperty("error").GetString(), StringComparison.Ordinal);

        // A request already pending is still answered with its id, and another caller is not affected.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(ops, HttpMethod.Post, "mcp", DeployCall(0, "billing", 0))).Status);
        using var other = Client("/agents/other");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(other, HttpMethod.Post, "mcp", DeployCall(1, "billing", 1))).Status);
    }
}
