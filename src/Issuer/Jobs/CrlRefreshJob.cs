using IdentityIssuer.Issuer.Revocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>
/// Signs the CRLs of this replica's authorities when due (every <see cref="JobsOptions.CrlRefreshInterval"/>,
/// 10 s by default): a revocation made on another replica, or half a CRL's validity passed. A revocation
/// made on this replica signs at once without waiting for the job.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class CrlRefreshJob : IssuerJob
{
    private readonly ILogger<CrlRefreshJob> _logger;

    public CrlRefreshJob(IServiceScopeFactory scopes, ILogger<CrlRefreshJob> logger)
        : base(scopes) => _logger = logger;

    protected override Task RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<CrlService>().RefreshAsync(cancellationToken);

    protected override void LogFailure(Exception exception) => LogRefreshFailed(_logger, exception);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "CRL refresh failed; retrying at the next interval")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
