using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>Checks every ten seconds whether an authority is due to be prepared or activated.</summary>
internal sealed partial class CaRotationService : BackgroundService
{
    /// <summary>How often rotation is checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly CaManager _ca;
    private readonly TimeProvider _time;
    private readonly ILogger<CaRotationService> _logger;

    public CaRotationService(CaManager ca, TimeProvider time, ILogger<CaRotationService> logger)
    {
        _ca = ca;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await _ca.RotateIfDueAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One failed check (datastore briefly down, key manager error) must not end rotation.
                    LogRotationFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Error, Message = "CA rotation check failed; retrying at the next interval")]
    private static partial void LogRotationFailed(ILogger logger, Exception exception);
}
