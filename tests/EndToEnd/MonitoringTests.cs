using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using IdentityIssuer.EndToEnd.Gateway;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Spiffe.WorkloadApi;
using IdentityIssuer.Tests.Common;
using IdentityIssuer.Tests.Common.Metrics;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// The <c>/metrics</c> of a real issuer, agent and gateway, as Prometheus scrapes them: promtool accepts
/// all three, the counters move with what a workload does (an SVID fetched, a call denied), the agent's
/// health endpoints say what they promise, and the Grafana dashboard asks only for names they export.
/// </summary>
public sealed partial class MonitoringTests : GatewayTestBase
{
    private const string Prefix = WorkloadIdPrefix + "monitoring/";
    private const string GatewayId = Prefix + "gateway";
    private const string Reader = Prefix + "reader";

    private static readonly string Policy = $$"""
        {
          "tools": { "search": { "risk": "read" }, "deploy": { "risk": "high-risk" } },
          "rules": [ { "name": "public-search", "spiffeId": "{{Reader}}", "tools": ["search"], "actions": ["query"], "targets": ["public"] } ]
        }
        """;

    private static readonly string Dashboard = Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "identity-issuer.json");

    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
        "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
        "rate", "irate", "increase", "delta", "idelta", "deriv", "histogram_quantile", "time", "absent", "absent_over_time",
        "max_over_time", "min_over_time", "avg_over_time", "sum_over_time", "count_over_time", "clamp_min", "clamp_max", "abs", "le", "inf", "nan",
    };

    public MonitoringTests(ITestOutputHelper output)
        : base(IssuerProcess.Create(new Dictionary<string, string> { ["Jobs:ExpiryScanInterval"] = "00:00:01" }), output)
    {
    }

    [Fact]
    public async Task Metrics_OfIssuerAgentAndGateway_PassPromtool_AndMoveWithWhatWorkloadsDo()
    {
        var stack = await StartStackAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var agentBefore = await ScrapeAsync(http, stack.Agent.OpsPort);
        var issuerBefore = await ScrapeAsync(http, Issuer.OpsPort);

        // A workload fetches a JWT-SVID: one Workload API call on the agent, one JWT minted by the issuer.
        using (var workload = new WorkloadApiClient("unix://" + stack.Agent.SocketPath))
        {
            await workload.FetchJwtSvidAsync("monitoring-audience", Spiffe.SpiffeId.Parse(Reader));
        }

        // A caller is denied by the gateway's policy.
        Assert.Equal(403, (await SendAsync(stack.Reader, HttpMethod.Get, new Uri(stack.Gateway.Address, "search?index=private"))).Status);

        var agentAfter = await ScrapeAsync(http, stack.Agent.OpsPort);
        var issuerAfter = await ScrapeAsync(http, Issuer.OpsPort);
        var gatewayAfter = await ScrapeAsync(http, stack.Gateway.OpsPort);

        (string, string)[] jwtCall = [("service", "SpiffeWorkloadAPI"), ("method", "FetchJWTSVID"), ("code", "OK")];
        Assert.Equal(ValueOrZero(agentBefore.Samples, "identity_agent_workload_api_calls_total", jwtCall) + 1, PrometheusText.Value(agentAfter.Samples, "identity_agent_workload_api_calls_total", jwtCall));
        Assert.Equal(
            PrometheusText.Value(issuerBefore.Samples, "identity_issuer_svids_minted_total", ("kind", "jwt"), ("replica", "primary")) + 1,
            PrometheusText.Value(issuerAfter.Samples, "identity_issuer_svids_minted_total", ("kind", "jwt"), ("replica", "primary")));
        Assert.True(PrometheusText.Value(issuerAfter.Samples, "identity_issuer_svids_minted_total", ("kind", "x509"), ("replica", "primary")) >= 2, "the agent fetched SVIDs for the gateway and the reader");
        Assert.Equal(1, PrometheusText.Value(gatewayAfter.Samples, "identity_gateway_decisions_total", ("tool", "search"), ("action", "query"), ("risk", "read"), ("decision", "deny")));

        // What the agent holds and whether it reaches the issuer.
        Assert.Equal(2, PrometheusText.Value(agentAfter.Samples, "identity_agent_svids"));
        Assert.Equal(1, PrometheusText.Value(agentAfter.Samples, "identity_agent_issuer_reachable"));
        Assert.InRange(PrometheusText.Value(agentAfter.Samples, "identity_agent_svid_expiry_seconds", ("svid", "workload")), 60, TimeSpan.FromHours(1).TotalSeconds);
        Assert.True(PrometheusText.Value(issuerAfter.Samples, "identity_issuer_agent_api_requests_total", ("route", "sync"), ("status", "200")) >= 1);

        foreach (var (name, scrape) in new[] { ("issuer", issuerAfter), ("agent", agentAfter), ("gateway", gatewayAfter) })
        {
            Output.WriteLine($"promtool check metrics ({name}):");
            Record(await Promtool.CheckMetricsAsync(scrape.Text)).ShouldSucceed();
        }
    }

    [Fact]
    public async Task GrafanaDashboard_AsksOnlyForMetricNamesTheProcessesExport()
    {
        var stack = await StartStackAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await SendAsync(stack.Reader, HttpMethod.Get, new Uri(stack.Gateway.Address, "search?index=private"));
        using (var workload = new WorkloadApiClient("unix://" + stack.Agent.SocketPath))
        {
            await workload.FetchJwtSvidAsync("monitoring-audience", Spiffe.SpiffeId.Parse(Reader));
        }

        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var port in new[] { Issuer.OpsPort, stack.Agent.OpsPort, stack.Gateway.OpsPort })
        {
            exported.UnionWith((await ScrapeAsync(http, port)).Samples.Select(s => s.Name));
        }

        var used = DashboardExpressions().SelectMany(MetricNames).ToHashSet(StringComparer.Ordinal);
        Output.WriteLine("dashboard uses: " + string.Join(", ", used.Order(StringComparer.Ordinal)));

        Assert.Contains("identity_issuer_authority_expiry_seconds", used);
        Assert.Contains("identity_agent_issuer_reachable", used);
        Assert.Contains("identity_gateway_decisions_total", used);
        Assert.Contains("identity_gateway_added_latency_seconds_bucket", used);
        Assert.Empty(used.Where(name => !exported.Contains(name)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AgentHealth_IsLiveAtOnce_ButNotReadyUntilItHasAttestedAndSynced()
    {
        var (token, _) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token, new Dictionary<string, string> { ["Agent:IssuerAddress"] = "https://127.0.0.1:1" });
        agent.Launch();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var live = new Uri($"http://127.0.0.1:{agent.OpsPort}/health/live");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        HttpStatusCode liveStatus = 0;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                liveStatus = (await http.GetAsync(live)).StatusCode;
                break;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{agent.OpsPort}/health/ready"));
        var metrics = await ScrapeAsync(http, agent.OpsPort);

        Assert.Equal(HttpStatusCode.OK, liveStatus);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
        Assert.DoesNotContain(metrics.Samples, s => s.Name == "identity_agent_svids");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"http://127.0.0.1:{agent.OpsPort}/SpiffeWorkloadAPI/FetchX509SVID"))).StatusCode);
    }

    [Fact]
    public async Task AgentHealth_IsReady_OnceAttestedAndSynced()
    {
        var (agent, _) = await StartAgentAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{agent.OpsPort}/health/ready"));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    public override async Task InitializeAsync()
    {
        await Issuer.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await Issuer.DisposeAsync();
        }
    }

    /// <summary>An agent, an echo upstream and a gateway in front of it, and a reader's SVID client; the issuer's first expiry scan has run.</summary>
    private async Task<(AgentProcess Agent, GatewayProcess Gateway, SvidHttpClient Reader)> StartStackAsync()
    {
        var (agent, agentId) = await StartAgentAsync();
        var svids = await RegisterAsync(agent, agentId, new Dictionary<string, string[]> { [GatewayId] = [], [Reader] = [] });
        var upstream = await EchoUpstream.StartAsync();
        Track(upstream);
        var gateway = await StartGatewayAsync(agent, GatewayId, new System.Text.Json.Nodes.JsonObject { ["Address"] = upstream.Address }, Policy);
        var reader = new SvidHttpClient(svids[Reader], Bundle(agent));
        Track(new DisposeAction(reader.Dispose));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await MetricsEndpointTests.ScrapeUntilAsync(http, Issuer.OpsPort, s => s.Any(m => m.Name == "identity_issuer_authority_expiry_seconds"));
        return (agent, gateway, reader);
    }

    private static async Task<(string Text, IReadOnlyList<PrometheusSample> Samples)> ScrapeAsync(HttpClient http, int port)
    {
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        return (text, PrometheusText.Parse(text));
    }

    private static double ValueOrZero(IReadOnlyList<PrometheusSample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Any(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)) ? PrometheusText.Value(samples, name, labels) : 0;

    /// <summary>Every PromQL expression of the dashboard's panels (rows included).</summary>
    private static IEnumerable<string> DashboardExpressions()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Dashboard));
        var expressions = new List<string>();
        void Walk(JsonElement panels)
        {
            foreach (var panel in panels.EnumerateArray())
            {
                if (panel.TryGetProperty("targets", out var targets))
                {
                    expressions.AddRange(targets.EnumerateArray().Where(t => t.TryGetProperty("expr", out _)).Select(t => t.GetProperty("expr").GetString()!));
                }

                if (panel.TryGetProperty("panels", out var inner))
                {
                    Walk(inner);
                }
            }
        }

        Walk(json.RootElement.GetProperty("panels"));
        Assert.NotEmpty(expressions);
        return expressions;
    }

    /// <summary>
    /// The metric names a PromQL expression selects: what is left once strings, label matchers, range and
    /// offset durations, grouping clauses and numbers are taken out, and function and keyword names are skipped.
    /// </summary>
    internal static IEnumerable<string> MetricNames(string expression)
    {
        var text = QuotedString().Replace(expression, " ");
        text = LabelMatchers().Replace(text, " ");
        text = RangeSelector().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        foreach (Match match in Identifier().Matches(text))
        {
            var name = match.Groups[1].Value;
            var isCall = match.Groups[2].Success;
            if (!isCall && !PromQlWords.Contains(name.ToLowerInvariant()))
            {
                yield return name;
            }
        }
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex QuotedString();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeSelector();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")]
    private static partial Regex Identifier();

    private sealed class DisposeAction(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
