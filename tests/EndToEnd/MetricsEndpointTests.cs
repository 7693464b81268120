using System.Net;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Metrics;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>A running issuer's <c>/metrics</c> on the ops port, as Prometheus scrapes it.</summary>
public sealed class MetricsEndpointTests : IssuerTest, IAsyncLifetime
{
    public MetricsEndpointTests(ITestOutputHelper output)
        : base(IssuerProcess.Create(new Dictionary<string, string> { ["Jobs:ExpiryScanInterval"] = "00:00:01" }), output)
    {
    }

    [Fact]
    public async Task Metrics_OnTheOpsPort_AreValidPrometheusText_WithTheExpiryAndJobMetrics()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var samples = await ScrapeUntilAsync(http, Issuer.OpsPort, s => s.Any(m => m.Name == "identity_issuer_authority_expiry_seconds"));

        foreach (var family in new[]
        {
            "identity_issuer_authority_expiry_seconds", "identity_issuer_authorities", "identity_issuer_svids_expiring",
            "identity_issuer_agents", "identity_issuer_revoked_svids", "identity_issuer_expiry_scan_timestamp_seconds",
            "identity_issuer_job_runs_total", "identity_issuer_job_failures_total", "identity_issuer_job_last_success_timestamp_seconds",
        })
        {
            Assert.Contains(samples, s => s.Name == family);
        }

        var x509 = PrometheusText.Value(samples, "identity_issuer_authority_expiry_seconds", ("kind", "x509"), ("status", "active"), ("replica", "primary"));
        Assert.InRange(x509, 1, TimeSpan.FromDays(1).TotalSeconds);
        Assert.Equal(1, PrometheusText.Value(samples, "identity_issuer_authorities", ("kind", "jwt"), ("status", "active")));
        Assert.Equal(0, PrometheusText.Value(samples, "identity_issuer_job_failures_total", ("job", "expiry-scan")));
    }

    [Fact]
    public async Task Metrics_AskedForOpenMetricsAsPrometheusAsks_AreTheTextFormat_AndPassPromtool()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await ScrapeUntilAsync(http, Issuer.OpsPort, s => s.Any(m => m.Name == "identity_issuer_authority_expiry_seconds"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{Issuer.OpsPort}/metrics"));
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("identity_issuer_job_runs_total{job=\"expiry-scan\"}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("http_server_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet_", text, StringComparison.Ordinal);
        Record(await Promtool.CheckMetricsAsync(text)).ShouldSucceed();
    }

    [Fact]
    public async Task Metrics_Post_IsRefused()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var content = new StringContent(string.Empty);

        using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{Issuer.OpsPort}/metrics"), content);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    /// <summary>Scrapes until <paramref name="ready"/> holds (the first expiry scan runs right after start); every scrape must parse.</summary>
    internal static async Task<IReadOnlyList<PrometheusSample>> ScrapeUntilAsync(HttpClient http, int opsPort, Func<IReadOnlyList<PrometheusSample>, bool> ready)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{opsPort}/metrics"), deadline.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            var samples = PrometheusText.Parse(await response.Content.ReadAsStringAsync(deadline.Token));
            if (ready(samples))
            {
                return samples;
            }

            await Task.Delay(200, deadline.Token);
        }
    }

    public Task InitializeAsync() => Issuer.StartAsync();

    public Task DisposeAsync() => Issuer.DisposeAsync();
}
