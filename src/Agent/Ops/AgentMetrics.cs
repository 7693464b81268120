using System.Diagnostics.Metrics;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Agent.Sync;

namespace IdentityIssuer.Agent.Ops;

/// <summary>
/// The agent's instruments on one <see cref="Meter"/> from the container's <see cref="IMeterFactory"/>.
/// Counters are recorded as things happen (syncs, rotations, Workload API calls); the gauges are read at
/// scrape time from the identity cache and the sync service, so "seconds until expiry" counts down
/// between syncs. Every label takes a fixed set of values.
/// </summary>
internal sealed class AgentMetrics
{
    /// <summary>The meter's name; the Prometheus endpoint exports every instrument of it.</summary>
    public const string MeterName = "IdentityIssuer.Agent";

    private readonly TimeProvider _time;
    private readonly IdentityCache _cache;
    private readonly IServiceProvider _services;
    private readonly Counter<long> _workloadApiCalls;
    private long _syncSuccesses;
    private long _syncFailures;
    private long _agentRotations;
    private long _workloadRotations;
    private long _lastSyncMs = -1;
    private volatile int _reachable = -1;

    /// <param name="services">Resolves <see cref="AgentService"/> at scrape time (it records into this class, so it cannot be a constructor dependency).</param>
    public AgentMetrics(IMeterFactory meters, TimeProvider time, IdentityCache cache, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _time = time;
        _cache = cache;
        _services = services;
        var meter = meters.Create(MeterName);
        // Counters with fixed label sets are observed rather than added to: their series exist from the
        // first scrape on (rate() and increase() see the first one), whenever the exporter started listening.
        meter.CreateObservableCounter("identity_agent_syncs", ObserveSyncs, description: "Sync rounds with the issuer (attest or renew when due, sync, mint what is due), by result (success, failure).");
        meter.CreateObservableCounter("identity_agent_svid_rotations", ObserveRotations, description: "SVIDs replaced by a new one: svid=agent (the agent's own, renewed) or workload (a workload X509-SVID replaced by a new one).");
        _workloadApiCalls = meter.CreateCounter<long>("identity_agent_workload_api_calls", description: "Finished gRPC calls on the Workload API socket by service, method and status code.");
        meter.CreateObservableGauge("identity_agent_svids", ObserveSvids, description: "Workload X509-SVIDs the agent holds and serves.");
        meter.CreateObservableGauge("identity_agent_svid_expiry_seconds", ObserveExpiry, "s", "Seconds until an SVID expires: svid=agent (the agent's own) or workload (the soonest workload X509-SVID); negative once expired.");
        meter.CreateObservableGauge("identity_agent_last_sync_timestamp_seconds", ObserveLastSync, "s", "Unix time of the last successful sync with the issuer.");
        meter.CreateObservableGauge("identity_agent_issuer_reachable", ObserveReachable, description: "1 when the last sync round reached an issuer (an error answer counts), 0 when no issuer answered at all.");
    }

    /// <summary>A sync round succeeded at <paramref name="at"/>.</summary>
    public void SyncSucceeded(DateTimeOffset at)
    {
        Interlocked.Increment(ref _syncSuccesses);
        Interlocked.Exchange(ref _lastSyncMs, at.ToUnixTimeMilliseconds());
        _reachable = 1;
    }

    /// <summary>A sync round failed; an issuer that answered (with an error) still counts as reachable.</summary>
    public void SyncFailed(Exception exception)
    {
        Interlocked.Increment(ref _syncFailures);
        if (exception is IssuerCallException call)
        {
            _reachable = call.Status is null ? 0 : 1;
        }
    }

    /// <summary>The agent SVID (<paramref name="agent"/> true) or a workload SVID was replaced.</summary>
    public void SvidRotated(bool agent) => Interlocked.Increment(ref agent ? ref _agentRotations : ref _workloadRotations);

    /// <summary>One Workload API call ended with <paramref name="code"/>.</summary>
    public void WorkloadApiCall(string service, string method, string code) =>
        _workloadApiCalls.Add(1, Tag("service", service), Tag("method", method), Tag("code", code));

    private IEnumerable<Measurement<long>> ObserveSyncs() =>
    [
        new(Interlocked.Read(ref _syncSuccesses), Tag("result", "success")),
        new(Interlocked.Read(ref _syncFailures), Tag("result", "failure")),
    ];

    private IEnumerable<Measurement<long>> ObserveRotations() =>
    [
        new(Interlocked.Read(ref _agentRotations), Tag("svid", "agent")),
        new(Interlocked.Read(ref _workloadRotations), Tag("svid", "workload")),
    ];

    private IEnumerable<Measurement<long>> ObserveSvids() =>
        _cache.IsReady ? [new Measurement<long>(_cache.Current.Svids.Count)] : [];

    private IEnumerable<Measurement<double>> ObserveExpiry()
    {
        var now = _time.GetUtcNow();
        if (_services.GetService<AgentService>()?.AgentSvidNotAfter is { } agentNotAfter)
        {
            yield return new Measurement<double>((agentNotAfter - now).TotalSeconds, Tag("svid", "agent"));
        }

        if (_cache.IsReady && _cache.Current.Svids.Count > 0)
        {
            yield return new Measurement<double>((_cache.Current.Svids.Min(s => s.NotAfter) - now).TotalSeconds, Tag("svid", "workload"));
        }
    }

    private IEnumerable<Measurement<double>> ObserveLastSync() =>
        Interlocked.Read(ref _lastSyncMs) is >= 0 and var ms ? [new Measurement<double>(ms / 1000.0)] : [];

    private IEnumerable<Measurement<int>> ObserveReachable() =>
        _reachable >= 0 ? [new Measurement<int>(_reachable)] : [];

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
