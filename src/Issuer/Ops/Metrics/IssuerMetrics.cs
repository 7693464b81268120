using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
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
/// </summary>
internal sealed class IssuerMetrics
{
    /// <summary>The meter's name; the Prometheus endpoint exports every instrument of it.</summary>
    public const string MeterName = "IdentityIssuer.Issuer";

    private static readonly AuthorityStatus[] Statuses = [AuthorityStatus.Prepared, AuthorityStatus.Active, AuthorityStatus.Old, AuthorityStatus.Tainted, AuthorityStatus.Revoked];

    private readonly TimeProvider _time;
    private readonly TimeSpan _staleAfter;
    private readonly Counter<long> _jobRuns;
    private readonly Counter<long> _jobFailures;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSuccess = new(StringComparer.Ordinal);
    private volatile ExpiryScan? _scan;

    public IssuerMetrics(IMeterFactory meters, TimeProvider time, IOptions<JobsOptions> jobs)
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

    /// <summary>Publishes a scan's results; the expiry gauges describe it from now on.</summary>
    public void PublishScan(ExpiryScan scan) => _scan = scan;

    private ExpiryScan? FreshScan()
    {
        var scan = _scan;
        return scan is not null && _time.GetUtcNow() - scan.ScannedAt <= _staleAfter ? scan : null;
    }

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

    private static string KindLabel(AuthorityKind kind) => kind == AuthorityKind.X509 ? "x509" : "jwt";

    private static string StatusLabel(AuthorityStatus status) => status.ToString().ToLowerInvariant();
}
