using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>
/// MCP event streams through identity-gateway (a real process): a stream that keeps sending outlives
/// <c>Upstream:Timeout</c>, one that stops sending is cut after <c>Upstream:IdleTimeout</c>, and an
/// ordinary answer is still bounded by <c>Upstream:Timeout</c> as a whole.
/// </summary>
public sealed class GatewayStreamingTests : GatewayTestBase, IClassFixture<IssuerProcess>
{
    private const string Prefix = WorkloadIdPrefix + "gw-stream/";
    private const string GatewayId = Prefix + "gateway";
    private const string Caller = Prefix + "caller";

    /// <summary>The whole-answer limit; the streams below last well beyond it.</summary>
    private const string AnswerTimeout = "00:00:02";

    /// <summary>The pause limit: far above the upstream's gap between events, so only a stall reaches it.</summary>
    private const string IdleTimeout = "00:00:05";

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    private static readonly string Policy = $$"""
        {
          "tools": { "search": { "risk": "read" } },
          "rules": [ { "name": "caller", "spiffeId": "{{Caller}}", "tools": ["search"], "actions": ["query"], "targets": ["**"] } ]
        }
        """;

    public GatewayStreamingTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task EventStream_SendingLongerThanUpstreamTimeout_ArrivesWhole()
    {
        var (gateway, _, client) = await StartAsync();
        using var caller = client;

        // 16 events 250 ms apart: the upstream needs at least 4 s, twice Upstream:Timeout.
        var (events, failure) = await ReadEventsAsync(caller, new Uri(gateway.Address, "mcp?events=16&everyMs=250"));

        Assert.Null(failure);
        Assert.Equal([.. Enumerable.Range(0, 16).Select(i => "tick " + i), "done"], events);
        var line = await AuditLineAsync(gateway, "mcp:GET");
        Assert.Equal(200, line.GetProperty("status").GetInt32());
        Assert.Equal(200, line.GetProperty("upstreamStatus").GetInt32());
    }

    [Fact]
    public async Task EventStream_UpstreamStopsSending_IsCutByTheIdleTimeout()
    {
        var (gateway, upstream, client) = await StartAsync();
        using var caller = client;

        var (events, failure) = await ReadEventsAsync(caller, new Uri(gateway.Address, "mcp?stall"));

        // The caller got what was sent, then a cut connection: not a clean end that looks complete.
        Assert.Equal(["started"], events);
        Assert.IsAssignableFrom<IOException>(failure);

        // The tool API's request was aborted too, not left hanging.
        await upstream.StallAborted.WaitAsync(Guard);
        var line = await AuditLineAsync(gateway, "mcp:GET");
        Assert.Contains("sent nothing for 00:00:05 (Upstream:IdleTimeout)", line.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrdinaryAnswer_SlowerThanUpstreamTimeout_Is504()
    {
        var (gateway, _, client) = await StartAsync();
        using var caller = client;

        var answer = await SendAsync(caller, HttpMethod.Get, new Uri(gateway.Address, "mcp?slowMs=4000"));

        Assert.Equal(504, answer.Status);
        Assert.Equal("upstream unavailable", answer.Json.GetProperty("error").GetString());
        var line = await AuditLineAsync(gateway, "mcp:GET");
        Assert.Contains("within 00:00:02 (Upstream:Timeout)", line.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Reads the <c>data:</c> of every event until the stream ends; the exception, when it ended by one.</summary>
    private async Task<(List<string> Events, Exception? Failure)> ReadEventsAsync(SvidHttpClient client, Uri uri)
    {
        using var guard = new CancellationTokenSource(Guard);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, guard.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<string>();
        try
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(guard.Token));
            while (await reader.ReadLineAsync(guard.Token) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add(line["data: ".Length..]);
                }
            }

            return (events, null);
        }
        catch (IOException ex)
        {
            Output.WriteLine($"stream ended by {ex.GetType().Name}: {ex.Message}");
            return (events, ex);
        }
    }

    /// <summary>The gateway's audit line for <paramref name="action"/>, once it is written (at the end of the request).</summary>
    private static async Task<System.Text.Json.JsonElement> AuditLineAsync(GatewayProcess gateway, string action)
    {
        var deadline = DateTime.UtcNow + Guard;
        while (true)
        {
            var line = gateway.AuditLines().LastOrDefault(l => l.TryGetProperty("action", out var a) && a.GetString() == action);
            if (line.ValueKind != System.Text.Json.JsonValueKind.Undefined)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no audit line for {action}");
            await Task.Delay(200);
        }
    }

    private async Task<(GatewayProcess Gateway, EventStreamUpstream Upstream, SvidHttpClient Caller)> StartAsync()
    {
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token);
        await agent.StartAsync();
        var svids = await RegisterAsync(agent, agentId, new Dictionary<string, string[]> { [GatewayId] = [], [Caller] = [] });
        var upstream = await EventStreamUpstream.StartAsync();
        Track(upstream);
        var gateway = await StartGatewayAsync(agent, GatewayId, new JsonObject { ["Address"] = upstream.Address, ["Timeout"] = AnswerTimeout, ["IdleTimeout"] = IdleTimeout }, Policy);
        return (gateway, upstream, new SvidHttpClient(svids[Caller], Bundle(agent)));
    }
}
