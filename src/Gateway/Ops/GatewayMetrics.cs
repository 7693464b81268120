using System.Diagnostics;
using System.Diagnostics.Metrics;
using IdentityIssuer.Gateway.Audit;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Mapping;
using IdentityIssuer.Gateway.Policy;

namespace IdentityIssuer.Gateway.Ops;

/// <summary>
/// The gateway's instruments on one <see cref="Meter"/> from the container's <see cref="IMeterFactory"/>:
/// one decision per request (from its audit record), the latency the gateway adds, and upstream failures.
/// Every label is bounded by the configuration: a tool is a tool of the current policy or <c>unknown</c>,
/// an action one the routes or the MCP mapping can produce or <c>other</c>; the caller label, only with
/// <c>Metrics:PerCallerLabels</c>, grows with the number of calling workloads.
/// </summary>
internal sealed class GatewayMetrics
{
    /// <summary>The meter's name; the Prometheus endpoint exports every instrument of it.</summary>
    public const string MeterName = "IdentityIssuer.Gateway";

    /// <summary>The label value for "no tool, action, risk or caller was involved".</summary>
    public const string None = "none";

    /// <summary>Upper bounds (seconds) of the added-latency histogram.</summary>
    private static readonly double[] LatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    private readonly ToolPolicyStore _policies;
    private readonly HashSet<string> _actions;
    private readonly bool _perCaller;
    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _addedLatency;
    private long _unavailable;
    private long _timeouts;

    public GatewayMetrics(IMeterFactory meters, ToolPolicyStore policies, McpOptions mcp, IEnumerable<ToolRouteOptions> routes, GatewayMetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _policies = policies;
        _perCaller = options.PerCallerLabels;

        // What the mapping can name: literal route actions, MCP tools/call, the allowed MCP methods and the session requests.
        _actions = new HashSet<string>(StringComparer.Ordinal) { McpRequest.CallAction, "mcp:GET", "mcp:DELETE" };
        _actions.UnionWith(mcp.AllowedMethods);
        _actions.UnionWith(routes.Select(r => r.Action).Where(a => a.Length > 0 && !a.Contains('{', StringComparison.Ordinal)));

        var meter = meters.Create(MeterName);
        _decisions = meter.CreateCounter<long>("identity_gateway_decisions", description: "Requests by outcome: tool, action, risk tier and decision (allow, deny, approval-required).");
        _addedLatency = meter.CreateHistogram("identity_gateway_added_latency_seconds", "s", "Time the gateway spent on a request besides waiting for the upstream (validation, mapping, policy, approvals, audit), by decision.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        // Observed, so both series exist from the first scrape on, whenever the exporter started listening.
        meter.CreateObservableCounter("identity_gateway_upstream_errors", ObserveUpstreamErrors, description: "Allowed requests the upstream did not answer, by reason (unavailable: no connection or a failed exchange; timeout: Upstream:Timeout or Upstream:IdleTimeout).");
    }

    /// <summary>Counts the request an audit record describes and the latency the gateway added to it.</summary>
    public void Decided(AuditRecord record, TimeSpan added)
    {
        var tool = ToolLabel(record.Tool);
        var action = record.Action is null ? None : tool == "unknown" || !_actions.Contains(record.Action) ? "other" : record.Action;
        var tags = new TagList
        {
            { "tool", tool },
            { "action", action },
            { "risk", record.Risk ?? None },
            { "decision", record.Decision },
        };
        if (_perCaller)
        {
            tags.Add("caller", record.SpiffeId ?? None);
        }

        _decisions.Add(1, tags);
        _addedLatency.Record(added.TotalSeconds, new KeyValuePair<string, object?>("decision", record.Decision));
    }

    /// <summary>Counts an upstream failure.</summary>
    public void UpstreamFailed(bool timeout) => Interlocked.Increment(ref timeout ? ref _timeouts : ref _unavailable);

    private IEnumerable<Measurement<long>> ObserveUpstreamErrors() =>
    [
        new(Interlocked.Read(ref _unavailable), new KeyValuePair<string, object?>("reason", "unavailable")),
        new(Interlocked.Read(ref _timeouts), new KeyValuePair<string, object?>("reason", "timeout")),
    ];

    private string ToolLabel(string? tool)
    {
        if (tool is null)
        {
            return None;
        }

        ToolPolicy? policy;
        try
        {
            policy = _policies.Current;
        }
        catch (InvalidOperationException)
        {
            policy = null;
        }

        return policy?.Tools.ContainsKey(tool) == true ? tool : "unknown";
    }
}
