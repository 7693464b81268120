using System.Diagnostics.Metrics;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Jobs;
using IdentityIssuer.Issuer.Ops.Metrics;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Tests.Common.Metrics;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Jobs;

/// <summary>The expiry scan feeds the metrics; the Prometheus text is valid and says what the datastore holds, on a fake clock.</summary>
public sealed class MetricsTests
{
    private static CancellationToken Ct => CancellationToken.None;

    /// <summary>The datastore keeps milliseconds: a clock on a whole second makes expected values exact.</summary>
    private static Task<IssuerServices> StartAsync(Dictionary<string, string?>? settings = null) =>
        IssuerServices.StartAsync(settings, clock: new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds())));

    [Fact]
    public async Task AfterAScan_AuthorityExpiryGauge_CountsDownWithTheClock()
    {
        await using var issuer = await StartAsync();
        var now = issuer.Clock.GetUtcNow();
        await issuer.Store.UpsertAuthorityAsync(new CaAuthority
        {
            Id = "r2-ca",
            Kind = AuthorityKind.X509,
            Slot = "A",
            Status = AuthorityStatus.Active,
            KeyId = "x509-ca-A-1-00000000",
            PublicData = [1],
            NotBefore = now.AddHours(-1),
            NotAfter = now.AddSeconds(3600),
            CreatedAt = now.AddHours(-1),
            Replica = "r2",
        }, Ct);

        await issuer.Job<ExpiryScanJob>().RunOnceAsync(Ct);
        var first = PrometheusText.Parse(await issuer.ScrapeMetricsAsync());
        issuer.Clock.Advance(TimeSpan.FromSeconds(25));
        var later = PrometheusText.Parse(await issuer.ScrapeMetricsAsync());

        Assert.Equal(3600, PrometheusText.Value(first, "identity_issuer_authority_expiry_seconds", ("replica", "r2"), ("kind", "x509"), ("status", "active")));
        Assert.Equal(3575, PrometheusText.Value(later, "identity_issuer_authority_expiry_seconds", ("replica", "r2"), ("kind", "x509"), ("status", "active")));
        var own = issuer.Ca.ActiveJwt.Record;
        Assert.Equal((own.NotAfter - now).TotalSeconds, PrometheusText.Value(first, "identity_issuer_authority_expiry_seconds", ("replica", "primary"), ("kind", "jwt"), ("authority", own.Id)));
        Assert.Equal(2, PrometheusText.Value(first, "identity_issuer_authorities", ("kind", "x509"), ("status", "active")));
        Assert.Equal(0, PrometheusText.Value(first, "identity_issuer_authorities", ("kind", "x509"), ("status", "old")));
        Assert.Equal(1, PrometheusText.Value(first, "identity_issuer_job_runs_total", ("job", "expiry-scan")));
        Assert.Equal(0, PrometheusText.Value(first, "identity_issuer_job_failures_total", ("job", "expiry-scan")));
        Assert.Equal(now.ToUnixTimeMilliseconds() / 1000.0, PrometheusText.Value(first, "identity_issuer_expiry_scan_timestamp_seconds"));
    }

    [Fact]
    public async Task MintingSvids_CountsThemByKindAndReplica_AndTimesEachSignature()
    {
        await using var issuer = await StartAsync();
        var before = PrometheusText.Parse(await issuer.ScrapeMetricsAsync());
        var (csr, key) = Csr.Create();
        key.Dispose();
        var id = SpiffeId.Parse("spiffe://example.org/demo/web");

        await issuer.X509.MintBatchAsync([new X509SvidParams { SpiffeId = id, Csr = csr, Caller = "test" }, new X509SvidParams { SpiffeId = id, Csr = csr, Caller = "test" }], Ct);
        await issuer.Jwt.MintAsync(id, ["inventory"], TimeSpan.Zero, null, "test", Ct);
        var after = PrometheusText.Parse(await issuer.ScrapeMetricsAsync());

        Assert.Equal(0, PrometheusText.Value(before, "identity_issuer_svids_minted_total", ("kind", "x509"), ("replica", "primary")));
        Assert.Equal(2, PrometheusText.Value(after, "identity_issuer_svids_minted_total", ("kind", "x509"), ("replica", "primary")));
        Assert.Equal(1, PrometheusText.Value(after, "identity_issuer_svids_minted_total", ("kind", "jwt"), ("replica", "primary")));
        Assert.Equal(2, PrometheusText.Value(after, "identity_issuer_signing_duration_seconds_count", ("kind", "x509")));
        Assert.Equal(1, PrometheusText.Value(after, "identity_issuer_signing_duration_seconds_count", ("kind", "jwt")));
        Assert.Equal(2, PrometheusText.Value(after, "identity_issuer_signing_duration_seconds_bucket", ("kind", "x509"), ("le", "+Inf")));
        Assert.Equal(0, PrometheusText.Value(after, "identity_issuer_datastore_errors_total", ("transient", "true")));
    }

    [Fact]
    public async Task AgentApiRequests_ToPathsOutsideTheApi_CollapseIntoOneRoute_AndSyncsAreTimed()
    {
        await using var issuer = await StartAsync();
        var metrics = issuer.Provider.GetRequiredService<IssuerMetrics>();

        metrics.AgentApiRequest("/agent/v1/sync", 200, TimeSpan.FromMilliseconds(3));
        metrics.AgentApiRequest("/agent/v1/nothing-here", 404, TimeSpan.Zero);
        metrics.AgentApiRequest("/wp-admin/" + Guid.NewGuid(), 404, TimeSpan.Zero);
        var samples = PrometheusText.Parse(await issuer.ScrapeMetricsAsync());

        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_agent_api_requests_total", ("route", "sync"), ("status", "200")));
        Assert.Equal(2, PrometheusText.Value(samples, "identity_issuer_agent_api_requests_total", ("route", "unknown"), ("status", "404")));
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_agent_sync_duration_seconds_count"));
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_agent_sync_duration_seconds_bucket", ("le", "0.005")));
        Assert.DoesNotContain(samples, s => s.Labels.Values.Any(v => v.Contains("wp-admin", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AfterAScan_CountsExpiringSvidsAgentsRevocationsAndCrls()
    {
        await using var issuer = await StartAsync();
        var store = issuer.Store;
        var now = issuer.Clock.GetUtcNow();
        await store.AddIssuanceRecordsAsync(
        [
            TestRows.Record("a", now.AddMinutes(30), SvidKind.X509),
            TestRows.Record("b", now.AddHours(5), SvidKind.X509),
            TestRows.Record("c", now.AddDays(2), SvidKind.X509),
            TestRows.Record("d", now.AddMinutes(-1), SvidKind.X509),
            TestRows.Record("e", now.AddMinutes(5), SvidKind.Jwt),
        ], Ct);
        await store.UpsertAttestedNodeAsync(TestRows.Node("active", now.AddHours(1)), Ct);
        await store.UpsertAttestedNodeAsync(TestRows.Node("expired", now.AddHours(-1)), Ct);
        await store.UpsertAttestedNodeAsync(TestRows.Node("banned", now.AddHours(1)), Ct);
        await store.SetAttestedNodeBannedAsync("spiffe://example.org/agent/banned", banned: true, Ct);
        await store.RevokeSvidsAsync([new RevokedSvid { AuthorityId = issuer.Ca.ActiveX509.Id, Serial = "a", SpiffeId = "spiffe://example.org/web", Caller = "test", NotAfter = now.AddMinutes(30) }], Ct);
        await store.SaveCrlAsync(new StoredCrl { AuthorityId = issuer.Ca.ActiveX509.Id, CrlNumber = 1, Der = [1], ThisUpdate = now, NextUpdate = now.AddMinutes(10) }, Ct);

        await issuer.Job<ExpiryScanJob>().RunOnceAsync(Ct);
        var samples = PrometheusText.Parse(await issuer.ScrapeMetricsAsync());

        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_svids_expiring", ("kind", "x509"), ("within", "1h")));
        Assert.Equal(2, PrometheusText.Value(samples, "identity_issuer_svids_expiring", ("kind", "x509"), ("within", "24h")));
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_svids_expiring", ("kind", "jwt"), ("within", "1h")));
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_agents", ("state", "active")));
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_agents", ("state", "expired")));
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_agents", ("state", "banned")));
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_revoked_svids"));
        Assert.Equal(600, PrometheusText.Value(samples, "identity_issuer_crl_next_update_seconds", ("authority", issuer.Ca.ActiveX509.Id), ("replica", "primary")));
    }

    [Fact]
    public async Task WhenTheLastScanIsOlderThanThreeIntervals_ExpiryGaugesAreLeftOut()
    {
        await using var issuer = await StartAsync(new Dictionary<string, string?> { ["Jobs:ExpiryScanInterval"] = "00:00:30" });
        await issuer.Job<ExpiryScanJob>().RunOnceAsync(Ct);

        issuer.Clock.Advance(TimeSpan.FromSeconds(91));
        var samples = PrometheusText.Parse(await issuer.ScrapeMetricsAsync());

        Assert.DoesNotContain(samples, s => s.Name is "identity_issuer_authority_expiry_seconds" or "identity_issuer_authorities" or "identity_issuer_agents");
        Assert.Single(samples, s => s.Name == "identity_issuer_expiry_scan_timestamp_seconds");
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_job_runs_total", ("job", "expiry-scan")));
    }

    [Fact]
    public async Task AFailedRun_IsCountedAsARunAndAFailure_AndLeavesTheLastSuccessAlone()
    {
        await using var issuer = await StartAsync();
        var metrics = issuer.Provider.GetRequiredService<IssuerMetrics>();
        metrics.JobSucceeded("prune");
        issuer.Clock.Advance(TimeSpan.FromMinutes(1));
        metrics.JobFailed("prune");

        var samples = PrometheusText.Parse(await issuer.ScrapeMetricsAsync());

        Assert.Equal(2, PrometheusText.Value(samples, "identity_issuer_job_runs_total", ("job", "prune")));
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_job_failures_total", ("job", "prune")));
        Assert.Equal(issuer.Clock.GetUtcNow().AddMinutes(-1).ToUnixTimeMilliseconds() / 1000.0, PrometheusText.Value(samples, "identity_issuer_job_last_success_timestamp_seconds", ("job", "prune")));
    }

    [Fact]
    public async Task Text_EscapesLabelValuesAndHelp_AndIsValidPrometheusFormat()
    {
        await using var issuer = await StartAsync();
        _ = issuer.Provider.GetRequiredService<IssuerMetrics>();
        var meter = issuer.Provider.GetRequiredService<IMeterFactory>().Create(IssuerMetrics.MeterName);
        var counter = meter.CreateCounter<long>("identity_issuer_test_events", description: "Line one\nback\\slash");
        counter.Add(2, new KeyValuePair<string, object?>("value", "quote\" back\\ newline\n"));
        counter.Add(3, new KeyValuePair<string, object?>("value", "quote\" back\\ newline\n"));
        await issuer.Job<ExpiryScanJob>().RunOnceAsync(Ct);

        var text = await issuer.ScrapeMetricsAsync();
        var samples = PrometheusText.Parse(text);

        Assert.Contains("# HELP identity_issuer_test_events_total Line one\\nback\\\\slash\n", text, StringComparison.Ordinal);
        Assert.Equal(5, PrometheusText.Value(samples, "identity_issuer_test_events_total", ("value", "quote\" back\\ newline\n")));
        Assert.All(samples, s => Assert.StartsWith("identity_issuer_", s.Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoHostsInOneProcess_EachExportOnlyTheirOwnMeasurements()
    {
        await using var first = await StartAsync();
        await using var second = await StartAsync();
        first.Provider.GetRequiredService<IssuerMetrics>().JobSucceeded("prune");

        Assert.Equal(1, PrometheusText.Value(PrometheusText.Parse(await first.ScrapeMetricsAsync()), "identity_issuer_job_runs_total", ("job", "prune")));
        Assert.DoesNotContain(PrometheusText.Parse(await second.ScrapeMetricsAsync()), s => s.Name == "identity_issuer_job_runs_total");
    }

}
