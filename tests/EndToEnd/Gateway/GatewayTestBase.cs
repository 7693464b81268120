using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Spiffe.WorkloadApi;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>
/// Issuer, agent, the sample tool API (mTLS with its own SVID, the gateway's library middleware) and
/// identity-gateway in front of it, all real processes. Workload SVIDs for test callers come from the
/// agent's Workload API as any workload on the host would get them.
/// </summary>
public abstract class GatewayTestBase : AgentTest
{
    private readonly List<IAsyncDisposable> _processes = [];
    private readonly List<Answer> _sent = [];

    protected GatewayTestBase(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    /// <summary>The tool API's own policy: the gateway may call every tool (it has already authorized the caller).</summary>
    protected static string ToolApiPolicy(string gatewayId) => $$"""
        {
          "tools": { "search": { "risk": "read" }, "deploy": { "risk": "mutate" } },
          "rules": [ { "name": "gateway", "spiffeId": "{{gatewayId}}", "tools": ["*"], "actions": ["**"], "targets": ["**"] } ]
        }
        """;

    /// <summary>Creates entries for every ID under the agent and waits until the Workload API serves all of them.</summary>
    protected async Task<IReadOnlyDictionary<string, X509Certificate2>> RegisterAsync(AgentProcess agent, string agentId, IReadOnlyDictionary<string, string[]> ids)
    {
        foreach (var (id, extra) in ids)
        {
            await CreateWorkloadEntryAsync(id, agentId, OwnUidSelector, extra);
        }

        return await FetchSvidsAsync(agent, ids.Keys);
    }

    /// <summary>The caller SVIDs (certificate with key) the Workload API serves now, once it serves all of <paramref name="ids"/>.</summary>
    protected async Task<IReadOnlyDictionary<string, X509Certificate2>> FetchSvidsAsync(AgentProcess agent, IEnumerable<string> ids)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        using var client = new WorkloadApiClient("unix://" + agent.SocketPath);
        var deadline = DateTime.UtcNow + PropagationTimeout;
        while (true)
        {
            try
            {
                var context = await client.FetchX509ContextAsync();
                var found = context.Svids.Where(s => wanted.Contains(s.Id.ToString())).ToDictionary(s => s.Id.ToString(), s => s.Certificate, StringComparer.Ordinal);
                if (found.Count == wanted.Count)
                {
                    return found;
                }
            }
            catch (WorkloadApiException)
            {
                // No SVID for this caller yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the Workload API never served all of {string.Join(", ", wanted)}\n--- agent log ---\n{agent.Log}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>The sample tool API with <see cref="ToolApiPolicy"/>, or <paramref name="policy"/> in <paramref name="policyFileName"/> when set.</summary>
    protected async Task<SampleToolApiProcess> StartToolApiAsync(AgentProcess agent, string toolApiId, string gatewayId, string? policy = null, string policyFileName = "policy.json")
    {
        var api = await SampleToolApiProcess.StartMtlsAsync(agent, toolApiId, policy ?? ToolApiPolicy(gatewayId), policyFileName);
        _processes.Add(api);
        return api;
    }

    protected async Task<GatewayProcess> StartGatewayAsync(AgentProcess agent, string gatewayId, SampleToolApiProcess api, string toolApiId, string policy, string policyFileName = "policy.json")
    {
        var upstream = new JsonObject { ["Address"] = $"https://127.0.0.1:{api.Port}", ["PresentSvid"] = true, ["SpiffeId"] = toolApiId };
        return await StartGatewayAsync(agent, gatewayId, upstream, policy, policyFileName: policyFileName);
    }

    /// <summary>A gateway in front of any upstream (<c>Upstream</c> section as given), with <paramref name="routes"/> instead of the default ones when set.</summary>
    protected async Task<GatewayProcess> StartGatewayAsync(AgentProcess agent, string gatewayId, JsonObject upstream, string policy, JsonArray? routes = null, string policyFileName = "policy.json")
    {
        var gateway = await GatewayProcess.CreateAsync(agent, gatewayId, upstream, policy, routes: routes, policyFileName: policyFileName);
        _processes.Add(gateway);
        await gateway.StartAsync();
        return gateway;
    }

    /// <summary>Disposes <paramref name="resource"/> after the test, before the processes started earlier.</summary>
    protected void Track(IAsyncDisposable resource) => _processes.Add(resource);

    protected static X509Certificate2Collection Bundle(AgentProcess agent)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(agent.BundleFile);
        return bundle;
    }

    /// <summary>Sends a request and records status, request id and body in the test output.</summary>
    protected async Task<Answer> SendAsync(SvidHttpClient client, HttpMethod method, Uri uri, object? json = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var requestId = response.Headers.TryGetValues("X-Gateway-Request-Id", out var ids) ? ids.Single() : string.Empty;
        Output.WriteLine($"{method} {uri} -> {(int)response.StatusCode} (request {requestId}) {body}");
        var answer = new Answer((int)response.StatusCode, requestId, body.Length > 0 && body.TrimStart().StartsWith('{') ? JsonDocument.Parse(body).RootElement : default);
        lock (_sent)
        {
            _sent.Add(answer);
        }

        return answer;
    }

    /// <summary>Every answer <paramref name="gateway"/> gave in this test is exactly one audit line with its status, and there are no others.</summary>
    protected void AssertEveryAnswerAuditedOnce(GatewayProcess gateway)
    {
        var audit = gateway.AuditLines();
        var answers = _sent.Where(a => a.RequestId.Length > 0).ToList();
        Assert.Equal(answers.Count, audit.Count);
        foreach (var answer in answers)
        {
            var line = Assert.Single(audit, l => l.GetProperty("requestId").GetString() == answer.RequestId);
            Assert.Equal(answer.Status, line.GetProperty("status").GetInt32());
        }
    }

    public override async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            try
            {
                await process.DisposeAsync();
            }
            finally
            {
                if (process is ServiceProcess service)
                {
                    Output.WriteLine($"--- {service.Name} log ---\n{service.Log}");
                }
            }
        }

        await base.DisposeAsync();
    }

    /// <summary>One answer of the gateway.</summary>
    protected sealed record Answer(int Status, string RequestId, JsonElement Json);
}
