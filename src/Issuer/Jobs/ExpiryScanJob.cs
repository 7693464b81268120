using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Ops.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>
/// Reads what monitoring watches (every <see cref="JobsOptions.ExpiryScanInterval"/>, on one replica at a
/// time): the CA journal of every replica, the stored CRLs, SVIDs about to expire, nodes by state and
/// revoked SVIDs; and publishes it to the expiry metrics.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class ExpiryScanJob : IssuerJob
{
    private readonly ILogger<ExpiryScanJob> _logger;

    public ExpiryScanJob(IServiceScopeFactory scopes, ILogger<ExpiryScanJob> logger)
        : base(scopes) => _logger = logger;

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IDataStore>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var authorities = new List<CaAuthority>();
        authorities.AddRange(await store.ListAuthoritiesAsync(AuthorityKind.X509, cancellationToken));
        authorities.AddRange(await store.ListAuthoritiesAsync(AuthorityKind.Jwt, cancellationToken));
        var crls = await store.ListCrlsAsync(cancellationToken);
        var statistics = await store.GetStatisticsAsync(now, cancellationToken);
        services.GetRequiredService<IssuerMetrics>().PublishScan(new ExpiryScan(now, authorities, crls, statistics));
    }

    protected override void LogFailure(Exception exception) => LogScanFailed(_logger, exception);

    [LoggerMessage(EventId = 720, Level = LogLevel.Error, Message = "Expiry scan failed; the expiry metrics keep the last scan until the next interval")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);
}
