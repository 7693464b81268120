using IdentityIssuer.Issuer.Ca;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>
/// Checks (every <see cref="JobsOptions.RotationCheckInterval"/>, 10 s by default) whether an authority of
/// this replica is due to be prepared or activated; once per <see cref="JobsOptions.PruneInterval"/> it
/// also deletes this replica's CA keys that no authority needs any more. A per-replica job: it runs on
/// the local scheduler of every replica, each for its own authorities.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class CaRotationJob : IssuerJob
{
    private readonly ILogger<CaRotationJob> _logger;

    public CaRotationJob(IServiceScopeFactory scopes, ILogger<CaRotationJob> logger)
        : base(scopes) => _logger = logger;

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var ca = services.GetRequiredService<CaManager>();
        var options = services.GetRequiredService<IOptions<JobsOptions>>().Value;
        await ca.RotateIfDueAsync(cancellationToken);
        await ca.PruneKeysIfDueAsync(options.AuthorityRetention, options.PruneInterval, cancellationToken);
    }

    protected override void LogFailure(Exception exception) => LogRotationFailed(_logger, exception);

    [LoggerMessage(EventId = 110, Level = LogLevel.Error, Message = "CA rotation check failed; retrying at the next interval")]
    private static partial void LogRotationFailed(ILogger logger, Exception exception);
}
