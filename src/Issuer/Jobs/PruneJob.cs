using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>
/// Deletes what the issuer no longer needs: expired join tokens, issuance records past
/// <see cref="JobsOptions.IssuanceRetention"/> after their SVID expired, entry tombstones older than the
/// latest <see cref="JobsOptions.TombstoneRetentionRevisions"/> revisions, and nodes that are not banned
/// whose SVID expired more than <see cref="JobsOptions.AttestedNodeRetention"/> ago.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class PruneJob : IssuerJob
{
    private readonly ILogger<PruneJob> _logger;

    public PruneJob(IServiceScopeFactory scopes, ILogger<PruneJob> logger)
        : base(scopes) => _logger = logger;

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IDataStore>();
        var options = services.GetRequiredService<IOptions<JobsOptions>>().Value;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();

        var tokens = await store.PruneJoinTokensAsync(now, cancellationToken);
        var records = await store.PruneIssuanceRecordsAsync(now - options.IssuanceRetention, cancellationToken);

        // An agent asking from a revision below the cutoff misses these deletions one by one, but the
        // last sync page lists every entry it is authorized for, and it drops the rest.
        var cutoff = await store.GetCurrentRevisionAsync(cancellationToken) - options.TombstoneRetentionRevisions;
        var tombstones = cutoff > 0 ? await store.PruneEntryTombstonesAsync(cutoff, cancellationToken) : 0;
        var nodes = await store.PruneAttestedNodesAsync(now - options.AttestedNodeRetention, cancellationToken);
        if (tokens + records + tombstones + nodes > 0)
        {
            LogPruned(_logger, tokens, records, tombstones, nodes);
        }
    }

    protected override void LogFailure(Exception exception) => LogPruneFailed(_logger, exception);

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Pruned {JoinTokens} expired join tokens, {IssuanceRecords} issuance records, {Tombstones} entry tombstones and {AttestedNodes} attested nodes")]
    private static partial void LogPruned(ILogger logger, int joinTokens, int issuanceRecords, int tombstones, int attestedNodes);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "Prune failed; retrying at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
