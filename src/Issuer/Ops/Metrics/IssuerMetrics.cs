using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Jobs;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>
/// The issuer's instruments on one <see cref="Meter"/> (from the container's <see cref="IMeterFactory"/>,
/// so two hosts in one process keep apart). Job counters are recorded as jobs run; the expiry gauges are
/// computed at scrape time from the latest <see cref="ExpiryScan"/> and the clock, so "seconds until
/// expiry" keeps counting down between scans. A scan older than three scan intervals (this replica has
/// not run the global scan lately; another one has) publishes no expiry gauges rather than stale ones.
/// Issuance, signing, agent API and datastore instruments are recorded as the work happens; every label
/// takes a fixed set of values (kinds, route names, status codes, this replica's name).
/// </summary>
internal sealed class IssuerMetrics
{
    /// <summary>The meter's name; the Prometheus endpoint exports every instrument of it.</summary>
    public const string MeterName = "IdentityIssuer.Issuer";

    private static readonly AuthorityStatus[] Statuses = [AuthorityStatus.Prepared, AuthorityStatus.Active, AuthorityStatus.Old, AuthorityStatus.Tainted, AuthorityStatus.Revoked];

    /// <summary>Upper bounds (seconds) of the signing histogram: software keys sign in well under a millisecond, HSMs and KMS in milliseconds to a second.</summary>
    private static readonly double[] SigningBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    /// <summary>Upper bounds (seconds) of the sync histogram.</summary>
    private static readonly double[] SyncBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly TimeProvider _time;
    private readonly TimeSpan _staleAfter;
    private readonly Counter<long> _jobRuns;
    private readonly Counter<long> _jobFailures;
    private readonly Histogram<double> _signing;
    private readonly Counter<long> _agentApiRequests;
    private readonly Histogram<double> _syncDuration;
    private long _mintedX509;
    private long _mintedJwt;
    private long _transientDatastoreErrors;
    private long _otherDatastoreErrors;
    private readonly KeyValuePair<string, object?> _replica;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSuccess = new(StringComparer.Ordinal);
    private volatile ExpiryScan? _scan;

    public IssuerMetrics(IMeterFactory meters, TimeProvider time, IOptions<JobsOptions> jobs, IOptions<CaOptions> ca)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _time = time;
        _staleAfter = jobs.Value.ExpiryScanInterval * 3;
        var meter = meters.Create(MeterName);
        Meter = meter;
        _jobRuns = meter.CreateCounter<long>("identity_issuer_job_runs", description: "Runs of a scheduled job on this replica, failed ones included.");
        _jobFailures = meter.CreateCounter<long>("identity_issuer_job_failures", description: "Runs of a scheduled job on this replica that failed (the error is logged).");
        meter.CreateObservableGauge("identity_issuer_job_last_success_timestamp_seconds", ObserveLastSuccess, "s", "Unix time of the last successful run of a scheduled job on this replica.");
        meter.CreateObservableGauge("identity_issuer_expiry_scan_timestamp_seconds", ObserveScanTime, "s", "Unix time of the last expiry scan this replica ran; the expiry gauges describe that scan.");
        meter.CreateObservableGauge("identity_issuer_authority_expiry_seconds", ObserveAuthorityExpiry, "s", "Seconds until an active, prepared or tainted authority of the CA journal expires (negative once expired).");
        meter.CreateObservableGauge("identity_issuer_authorities", ObserveAuthorityCounts, description: "Authorities in the CA journal of every replica, by kind and status.");
        meter.CreateObservableGauge("identity_issuer_svids_expiring", ObserveExpiringSvids, description: "Unexpired SVIDs (from the issuance record) that expire within the window.");
        meter.CreateObservableGauge("identity_issuer_agents", ObserveAgents, description: "Attested nodes by state: active, banned, or expired (SVID expired, must attest again).");
        meter.CreateObservableGauge("identity_issuer_revoked_svids", ObserveRevoked, description: "Revoked X509-SVIDs still recorded (a revocation is pruned once its SVID has expired).");
        meter.CreateObservableGauge("identity_issuer_crl_next_update_seconds", ObserveCrls, "s", "Seconds until a stored CRL's nextUpdate (negative once it is overdue).");

        _replica = Tag("replica", ca.Value.ReplicaName);
        // Counters with fixed label sets are observed rather than added to: their series exist from the
        // first scrape on (rate() and increase() see the first one), whenever the exporter started listening.
        meter.CreateObservableCounter("identity_issuer_svids_minted", ObserveMinted, description: "SVIDs this replica minted and recorded, by kind (x509, jwt).");
        _signing = meter.CreateHistogram("identity_issuer_signing_duration_seconds", "s", "Time to sign one SVID through the key manager (X.509: encode and sign the certificate; JWT: sign the digest).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SigningBuckets });
        _agentApiRequests = meter.CreateCounter<long>("identity_issuer_agent_api_requests", description: "Requests on the agent API by route and HTTP status.");
        _syncDuration = meter.CreateHistogram("identity_issuer_agent_sync_duration_seconds", "s", "Time to answer one agent sync request (one page), from arrival to the last byte written.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SyncBuckets });
        meter.CreateObservableCounter("identity_issuer_datastore_errors", ObserveDatastoreErrors, description: "Datastore operations that failed with a database fault, by whether a retry may help (transient).");
    }


    /// <summary>The meter every instrument above belongs to.</summary>
    public Meter Meter { get; }

    /// <summary>Records a successful run of a job.</summary>
    public void JobSucceeded(string job)
    {
        var tag = new KeyValuePair<string, object?>("job", job);
        _jobRuns.Add(1, tag);

        // A zero makes the failure series exist before the first failure, so rate() and increase() see it.
        _jobFailures.Add(0, tag);
        _lastSuccess[job] = _time.GetUtcNow();
    }

    /// <summary>Records a failed run of a job.</summary>
    public void JobFailed(string job)
    {
        var tag = new KeyValuePair<string, object?>("job", job);
        _jobRuns.Add(1, tag);
        _jobFailures.Add(1, tag);
    }

    /// <summary>Records <paramref name="count"/> SVIDs of <paramref name="kind"/> minted and recorded by this replica.</summary>
    public void Minted(SvidKind kind, int count) => Interlocked.Add(ref kind == SvidKind.Jwt ? ref _mintedJwt : ref _mintedX509, count);

    /// <summary>Records how long one signature took.</summary>
    public void Signed(SvidKind kind, TimeSpan elapsed) => _signing.Record(elapsed.TotalSeconds, Tag("kind", SvidKindLabel(kind)));

    /// <summary>Records one agent API request; <paramref name="path"/> outside the API counts as route <c>unknown</c>.</summary>
    public void AgentApiRequest(string path, int status, TimeSpan elapsed)
    {
        var route = RouteLabel(path);
        _agentApiRequests.Add(1, Tag("route", route), Tag("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (route == "sync")
        {
            _syncDuration.Record(elapsed.TotalSeconds);
        }
    }

    /// <summary>Records a datastore fault.</summary>
    public void DatastoreError(bool transient) => Interlocked.Increment(ref transient ? ref _transientDatastoreErrors : ref _otherDatastoreErrors);

    /// <summary>Publishes a scan's results; the expiry gauges describe it from now on.</summary>
    public void PublishScan(ExpiryScan scan) => _scan = scan;

    private ExpiryScan? FreshScan()
    {
        var scan = _scan;
        return scan is not null && _time.GetUtcNow() - scan.ScannedAt <= _staleAfter ? scan : null;
    }

    private IEnumerable<Measurement<long>> ObserveMinted() =>
    [
        new(Interlocked.Read(ref _mintedX509), Tag("kind", "x509"), _replica),
        new(Interlocked.Read(ref _mintedJwt), Tag("kind", "jwt"), _replica),
    ];

    private IEnumerable<Measurement<long>> ObserveDatastoreErrors() =>
    [
        new(Interlocked.Read(ref _transientDatastoreErrors), Tag("transient", "true")),
        new(Interlocked.Read(ref _otherDatastoreErrors), Tag("transient", "false")),
    ];

    private IEnumerable<Measurement<double>> ObserveLastSuccess() =>
        _lastSuccess.Select(kv => new Measurement<double>(Seconds(kv.Value), Tag("job", kv.Key)));

    private IEnumerable<Measurement<double>> ObserveScanTime() =>
        _scan is { } scan ? [new Measurement<double>(Seconds(scan.ScannedAt))] : [];

    private IEnumerable<Measurement<double>> ObserveAuthorityExpiry()
    {
        if (FreshScan() is not { } scan)
        {
            yield break;
        }

        var now = _time.GetUtcNow();
        foreach (var authority in scan.Authorities.Where(a => a.Status is AuthorityStatus.Active or AuthorityStatus.Prepared or AuthorityStatus.Tainted))
        {
            yield return new Measurement<double>(
                (authority.NotAfter - now).TotalSeconds,
                Tag("kind", KindLabel(authority.Kind)),
                Tag("replica", authority.Replica),
                Tag("status", StatusLabel(authority.Status)),
                Tag("authority", authority.Id));
        }
    }

    private IEnumerable<Measurement<long>> ObserveAuthorityCounts()
    {
        if (FreshScan() is not { } scan)
        {
            yield break;
        }

        foreach (var kind in (AuthorityKind[])[AuthorityKind.X509, AuthorityKind.Jwt])
        {
            foreach (var status in Statuses)
            {
                var count = scan.Authorities.Count(a => a.Kind == kind && a.Status == status);
                yield return new Measurement<long>(count, Tag("kind", KindLabel(kind)), Tag("status", StatusLabel(status)));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveExpiringSvids()
    {
        if (FreshScan() is not { } scan)
        {
            yield break;
        }

        foreach (var kind in (SvidKind[])[SvidKind.X509, SvidKind.Jwt])
        {
            var label = kind == SvidKind.X509 ? "x509" : "jwt";
            yield return new Measurement<long>(scan.Statistics.SvidsExpiringWithinHour.GetValueOrDefault(kind), Tag("kind", label), Tag("within", "1h"));
            yield return new Measurement<long>(scan.Statistics.SvidsExpiringWithinDay.GetValueOrDefault(kind), Tag("kind", label), Tag("within", "24h"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveAgents()
    {
        if (FreshScan() is not { } scan)
        {
            yield break;
        }

        yield return new Measurement<long>(scan.Statistics.ActiveNodes, Tag("state", "active"));
        yield return new Measurement<long>(scan.Statistics.BannedNodes, Tag("state", "banned"));
        yield return new Measurement<long>(scan.Statistics.ExpiredNodes, Tag("state", "expired"));
    }

    private IEnumerable<Measurement<long>> ObserveRevoked() =>
        FreshScan() is { } scan ? [new Measurement<long>(scan.Statistics.RevokedSvids)] : [];

    private IEnumerable<Measurement<double>> ObserveCrls()
    {
        if (FreshScan() is not { } scan)
        {
            yield break;
        }

        var now = _time.GetUtcNow();
        var replicas = scan.Authorities.ToDictionary(a => a.Id, a => a.Replica, StringComparer.Ordinal);
        foreach (var crl in scan.Crls)
        {
            yield return new Measurement<double>(
                (crl.NextUpdate - now).TotalSeconds,
                Tag("authority", crl.AuthorityId),
                Tag("replica", replicas.GetValueOrDefault(crl.AuthorityId, "unknown")));
        }
    }

    private static double Seconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    private static string SvidKindLabel(SvidKind kind) => kind == SvidKind.Jwt ? "jwt" : "x509";

    private static string RouteLabel(string path) => path switch
    {
        AgentApiPaths.Attest => "attest",
        AgentApiPaths.Challenge => "challenge",
        AgentApiPaths.Renew => "renew",
        AgentApiPaths.Sync => "sync",
        AgentApiPaths.SignX509 => "sign-x509",
        AgentApiPaths.MintJwt => "mint-jwt",
        _ => "unknown",
    };

    private static string KindLabel(AuthorityKind kind) => kind == AuthorityKind.X509 ? "x509" : "jwt";

    private static string StatusLabel(AuthorityStatus status) => status.ToString().ToLowerInvariant();
}
