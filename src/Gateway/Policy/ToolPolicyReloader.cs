using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>Checks the policy file every interval and reloads it when its content changed.</summary>
internal sealed partial class ToolPolicyReloader(ToolPolicyStore store, TimeSpan interval, TimeProvider time, ILogger<ToolPolicyReloader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await NextTickAsync(timer, stoppingToken))
        {
            try
            {
                store.Reload();
            }
#pragma warning disable CA1031 // One failed check must not stop later reloads.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogFailed(logger, ex);
            }
        }
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Policy reload check failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
