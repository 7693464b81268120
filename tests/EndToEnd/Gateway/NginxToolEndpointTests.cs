using System.Text.Json.Nodes;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common;
using IdentityIssuer.Tests.Common.Processes;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>
/// deploy/nginx/tool-endpoint.conf as shipped (only paths and ports changed), with the agent's file
/// sink: a caller with an SVID gets through to the tool API, one without is refused, and after the
/// SVID rotates nginx serves the new certificate.
/// </summary>
public sealed class NginxToolEndpointTests : GatewayTestBase, IClassFixture<IssuerProcess>
{
    private const string Prefix = WorkloadIdPrefix + "nginx-tool/";
    private const string EndpointId = Prefix + "search-api";
    private const string Caller = Prefix + "caller";
    private const string SampleSinkDirectory = "/var/lib/identity-agent/sinks/tool-api";

    private static readonly TimeSpan RotationTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root = FreePort.ShortTempDirectory();
    private NginxProcess? _nginx;

    public NginxToolEndpointTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task Nginx_WithTheDeploySample_AdmitsSvidCallersOnly_AndServesTheRotatedSvid()
    {
        var sample = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "deploy", "nginx", "tool-endpoint.conf"));
        var certs = Path.Combine(_root, "certs");
        var api = await SampleToolApiProcess.StartHttpAsync();
        await using var apiScope = api;
        _nginx = new NginxProcess(Path.Combine(_root, "nginx"), port => sample
            .Replace(SampleSinkDirectory, certs, StringComparison.Ordinal)
            .Replace("listen 127.0.0.1:8444", $"listen 127.0.0.1:{port}", StringComparison.Ordinal)
            .Replace("proxy_pass http://127.0.0.1:9090", $"proxy_pass http://127.0.0.1:{api.Port}", StringComparison.Ordinal));
        Output.WriteLine($"--- {_nginx.ConfigFile} ---\n{await File.ReadAllTextAsync(_nginx.ConfigFile)}");

        var (token, agentId) = await GenerateTokenAsync();
        var sink = new JsonObject { ["SpiffeId"] = EndpointId, ["Directory"] = certs, ["Command"] = _nginx.ReloadCommand };
        await CreateWorkloadEntryAsync(EndpointId, agentId, OwnUidSelector, "--x509-ttl", "20s");
        var agent = await CreateAgentAsync(token, sinks: new JsonArray(sink));
        await agent.StartAsync();
        var svids = await RegisterAsync(agent, agentId, new Dictionary<string, string[]> { [Caller] = [] });
        await agent.WaitForLogAsync($"Wrote SVID {EndpointId} to {certs}", timeout: PropagationTimeout);
        await _nginx.StartAsync();

        var bundle = Bundle(agent);
        var search = new Uri($"https://127.0.0.1:{_nginx.Port}/search?index=docs");
        using var caller = new SvidHttpClient(svids[Caller], bundle, newConnectionPerRequest: true);
        var allowed = await SendAsync(caller, HttpMethod.Get, search, null, ("X-Workload-Spiffe-Id", "spiffe://example.org/forged"));
        Assert.Equal(200, allowed.Status);
        Assert.Equal("search", allowed.Json.GetProperty("tool").GetString());
        Assert.Equal(string.Empty, allowed.Json.GetProperty("seen").GetProperty("workloadSpiffeIdHeader").GetString());
        var firstSerial = caller.LastServerSerial;

        using (var anonymous = new SvidHttpClient(null, bundle))
        {
            var refused = await SendAsync(anonymous, HttpMethod.Get, search);
            Assert.Equal(400, refused.Status); // nginx: "No required SSL certificate was sent"
        }

        var deadline = DateTime.UtcNow + RotationTimeout;
        while (caller.LastServerSerial == firstSerial)
        {
            Assert.True(DateTime.UtcNow < deadline, $"nginx still served serial {firstSerial} {RotationTimeout} after it started");
            Assert.False(_nginx.HasExited, "nginx exited while waiting for the rotation");
            await Task.Delay(500);
            Assert.Equal(200, (await SendAsync(caller, HttpMethod.Get, search)).Status);
        }

        Output.WriteLine($"nginx served serial {firstSerial}, then {caller.LastServerSerial}");
    }

    public override async Task DisposeAsync()
    {
        try
        {
            if (_nginx is not null)
            {
                await _nginx.DisposeAsync();
                Output.WriteLine($"--- nginx log ---\n{_nginx.Log}");
            }
        }
        finally
        {
            await base.DisposeAsync();
            Directory.Delete(_root, recursive: true);
        }
    }
}
