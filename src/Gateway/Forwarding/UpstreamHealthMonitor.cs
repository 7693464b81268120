using IdentityIssuer.Gateway.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Forwarding;

/// <summary>Probes every upstream address at start and every <c>Upstream:HealthCheck:Interval</c>; logs each change of health.</summary>
internal sealed partial class UpstreamHealthMonitor(UpstreamForwarder forwarder, UpstreamOptions options, TimeProvider time, ILogger<UpstreamHealthMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HealthCheck.Interval, time);
        do
        {
            try
            {
                foreach (var changed in await forwarder.ProbeAsync(stoppingToken))
                {
                    if (changed.IsHealthy)
                    {
                        LogHealthy(logger, changed.Prefix);
                    }
                    else
                    {
                        LogUnhealthy(logger, changed.Prefix, changed.Problem!);
                    }
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogProbeFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "Upstream {Address} is unhealthy, requests go to the next healthy address: {Problem}")]
    private static partial void LogUnhealthy(ILogger logger, string address, string problem);

    [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "Upstream {Address} is healthy again")]
    private static partial void LogHealthy(ILogger logger, string address);

    [LoggerMessage(EventId = 412, Level = LogLevel.Error, Message = "Upstream health probe failed")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception);
}
