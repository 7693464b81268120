using System.Diagnostics.Metrics;
using IdentityIssuer.Gateway.Audit;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Ops;
using IdentityIssuer.Gateway.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityIssuer.Gateway.Tests.Ops;

/// <summary>The decision counter's labels: bounded by the policy and the mapping, the caller only when asked for.</summary>
public sealed class GatewayMetricsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-metrics-" + Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public GatewayMetricsTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public void Decision_WithPerCallerLabels_CarriesTheCaller_AndOtherwiseNot()
    {
        var withCaller = Record(perCaller: true, Decision("search", "query", "spiffe://example.org/reader"));
        var without = Record(perCaller: false, Decision("search", "query", "spiffe://example.org/reader"));

        Assert.Equal("spiffe://example.org/reader", Assert.Single(withCaller)["caller"]);
        Assert.False(Assert.Single(without).ContainsKey("caller"));
    }

    [Fact]
    public void Decision_ActionFromAPlaceholderRoute_IsOther_AndALiteralRouteActionIsKept()
    {
        var tags = Record(perCaller: false, Decision("search", "query"), Decision("search", "anything-the-caller-chose"), Decision(null, null));

        Assert.Equal(["query", "other", "none"], tags.Select(t => t["action"]));
        Assert.Equal(["search", "search", "none"], tags.Select(t => t["tool"]));
    }

    private static AuditRecord Decision(string? tool, string? action, string? caller = null) => new()
    {
        Time = DateTimeOffset.UnixEpoch,
        RequestId = "r",
        Method = "GET",
        Path = "/",
        Tool = tool,
        Action = action,
        SpiffeId = caller,
        Risk = tool is null ? null : "read",
        Decision = "deny",
        Status = 403,
        LatencyMs = 1,
    };

    /// <summary>Records the decisions through a <see cref="GatewayMetrics"/> and returns the tags of each decision measurement.</summary>
    private List<Dictionary<string, string?>> Record(bool perCaller, params AuditRecord[] records)
    {
        var policyFile = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(policyFile, """{ "tools": { "search": { "risk": "read" } }, "rules": [] }""");
        var policies = new ToolPolicyStore(policyFile, NullLogger<ToolPolicyStore>.Instance);
        policies.Load();
        var meters = _services.GetRequiredService<IMeterFactory>();
        var metrics = new GatewayMetrics(
            meters,
            policies,
            new McpOptions(),
            [new ToolRouteOptions { Path = "/search", Tool = "search", Action = "query" }, new ToolRouteOptions { Path = "/x", Tool = "search", Action = "{query.op}" }],
            new GatewayMetricsOptions { PerCallerLabels = perCaller });

        var seen = new List<Dictionary<string, string?>>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "identity_gateway_decisions" && instrument.Meter.Scope == (object)meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => seen.Add(tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString())));
        listener.Start();
        foreach (var record in records)
        {
            metrics.Decided(record, TimeSpan.FromMilliseconds(1));
        }

        return seen;
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
