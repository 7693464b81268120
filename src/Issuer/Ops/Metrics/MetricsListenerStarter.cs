using Microsoft.Extensions.Hosting;

namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>Creates the exporter (and with it the listener) when the host starts.</summary>
internal sealed class MetricsListenerStarter(PrometheusExporter exporter) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(exporter);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
