using System.Net;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>The <c>Telemetry</c> settings on a running issuer: ASP.NET Core and runtime meters on request, OTLP export to a collector.</summary>
public sealed class TelemetryTests : IssuerTest, IAsyncLifetime
{
    private readonly OtlpReceiver _collector;

    public TelemetryTests(ITestOutputHelper output)
        : this(new OtlpReceiver(), output)
    {
    }

    private TelemetryTests(OtlpReceiver collector, ITestOutputHelper output)
        : base(IssuerProcess.Create(new Dictionary<string, string>
        {
            ["Jobs:ExpiryScanInterval"] = "00:00:01",
            ["Telemetry:AspNetCoreMetrics"] = "true",
            ["Telemetry:RuntimeMetrics"] = "true",
            ["Telemetry:Otlp:Endpoint"] = collector.MetricsUrl,
            ["Telemetry:Otlp:ExportInterval"] = "00:00:01",
        }), output)
    {
        _collector = collector;
    }

    [Fact]
    public async Task Metrics_WithAspNetCoreAndRuntimeMetersOn_ServeThemBesideTheIssuers_AndPassPromtool()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using (var live = await http.GetAsync(new Uri($"http://127.0.0.1:{Issuer.OpsPort}/health/live")))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        var text = await ScrapeUntilAsync(http, t => t.Contains("identity_issuer_job_runs_total{", StringComparison.Ordinal) && t.Contains("http_server_request_duration_seconds_count{", StringComparison.Ordinal));

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("kestrel_", text, StringComparison.Ordinal);
        Assert.Contains("\ndotnet_", text, StringComparison.Ordinal);

        // The text parses; promtool's only complaints are its naming lint on .NET's own gauges named
        // *.count (dotnet.assembly.count and the like), whose names the runtime's conventions fix.
        var check = Record(await Promtool.CheckMetricsAsync(text));
        var complaints = check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.All(complaints, line => Assert.Matches("^dotnet_[a-z_]+_count non-histogram and non-summary metrics should not have \"_count\" suffix$", line));
    }

    [Fact]
    public async Task Otlp_WithAnEndpoint_PushesTheIssuersMetricsAsProtobuf()
    {
        var export = await _collector.WaitForExportAsync(e => e.Mentions("identity_issuer_job_runs"), TimeSpan.FromSeconds(60));

        Assert.Equal("application/x-protobuf", export.ContentType);
        Assert.True(export.Mentions("identity-issuer"), "the export names the service identity-issuer");
    }

    private async Task<string> ScrapeUntilAsync(HttpClient http, Func<string, bool> ready)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{Issuer.OpsPort}/metrics"), deadline.Token);
            if (ready(text))
            {
                return text;
            }

            await Task.Delay(200, deadline.Token);
        }
    }

    public async Task InitializeAsync()
    {
        await _collector.StartAsync();
        await Issuer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Issuer.DisposeAsync();
        await _collector.DisposeAsync();
    }
}
