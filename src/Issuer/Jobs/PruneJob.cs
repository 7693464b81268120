using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>
/// Deletes what the issuer no longer needs (a global job: one replica at a time): expired join tokens,
/// issuance records past <see cref="JobsOptions.IssuanceRetention"/> after their SVID expired, entry
/// tombstones older than the latest <see cref="JobsOptions.TombstoneRetentionRevisions"/> revisions,
/// nodes that are not banned whose SVID expired more than <see cref="JobsOptions.AttestedNodeRetention"/>
/// ago, revocations of SVIDs that have expired, and authorities that expired more than
/// <see cref="JobsOptions.AuthorityRetention"/> ago: from the own trust bundle (judged by each
/// certificate's and key's own expiry, so nothing still valid ever leaves), and old or revoked rows
/// from the CA journal of every replica. Each replica deletes its own keys (see <see cref="CaRotationJob"/>).
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
        var trustDomain = services.GetRequiredService<IOptions<IssuerOptions>>().Value.TrustDomain;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();

        var tokens = await store.PruneJoinTokensAsync(now, cancellationToken);
        var records = await store.PruneIssuanceRecordsAsync(now - options.IssuanceRetention, cancellationToken);

        // An agent asking from a revision below the cutoff misses these deletions one by one, but the
        // last sync page lists every entry it is authorized for, and it drops the rest.
        var cutoff = await store.GetCurrentRevisionAsync(cancellationToken) - options.TombstoneRetentionRevisions;
        var tombstones = cutoff > 0 ? await store.PruneEntryTombstonesAsync(cutoff, cancellationToken) : 0;
        var nodes = await store.PruneAttestedNodesAsync(now - options.AttestedNodeRetention, cancellationToken);

        // An expired SVID fails validation on its own; its revocation has nothing left to say.
        var revocations = await store.PruneRevokedSvidsAsync(now, cancellationToken);
        var expiredBefore = now - options.AuthorityRetention;
        var bundle = await PruneBundleAsync(store, trustDomain, expiredBefore, cancellationToken);
        var journal = await PruneJournalAsync(store, expiredBefore, cancellationToken);
        if (tokens + records + tombstones + nodes + revocations + bundle + journal > 0)
        {
            LogPruned(_logger, tokens, records, tombstones, nodes, revocations, bundle, journal);
        }
    }

    /// <summary>Removes from the own bundle the X.509 authorities and JWT keys that expired before <paramref name="expiredBefore"/>.</summary>
    private static async Task<int> PruneBundleAsync(IDataStore store, string trustDomain, DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        if (await store.GetBundleAsync(trustDomain, cancellationToken) is not { } bundle)
        {
            return 0;
        }

        var certificates = bundle.X509Authorities.Where(der => ExpiredBefore(der, expiredBefore)).ToList();
        var keys = bundle.JwtKeys.Where(k => k.NotAfter < expiredBefore).Select(k => k.KeyId).ToList();
        if (certificates.Count + keys.Count == 0)
        {
            return 0;
        }

        await store.RemoveFromBundleAsync(trustDomain, certificates, keys, cancellationToken);
        return certificates.Count + keys.Count;
    }

    /// <summary>Deletes old and revoked journal rows (of every replica) that expired before <paramref name="expiredBefore"/>.</summary>
    private static async Task<int> PruneJournalAsync(IDataStore store, DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var kind in (AuthorityKind[])[AuthorityKind.X509, AuthorityKind.Jwt])
        {
            foreach (var row in await store.ListAuthoritiesAsync(kind, cancellationToken))
            {
                if ((row.Status is AuthorityStatus.Old or AuthorityStatus.Revoked) && row.NotAfter < expiredBefore
                    && await store.DeleteAuthorityAsync(row.Id, cancellationToken))
                {
                    deleted++;
                }
            }
        }

        return deleted;
    }

    /// <summary>True when the certificate expired before the cutoff; a certificate that cannot be read is kept.</summary>
    private static bool ExpiredBefore(byte[] der, DateTimeOffset cutoff)
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return certificate.NotAfter.ToUniversalTime() < cutoff.UtcDateTime;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    protected override void LogFailure(Exception exception) => LogPruneFailed(_logger, exception);

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Pruned {JoinTokens} expired join tokens, {IssuanceRecords} issuance records, {Tombstones} entry tombstones, {AttestedNodes} attested nodes, {Revocations} revocations of expired SVIDs, {BundleAuthorities} expired trust bundle authorities and {JournalRows} CA journal rows")]
    private static partial void LogPruned(ILogger logger, int joinTokens, int issuanceRecords, int tombstones, int attestedNodes, int revocations, int bundleAuthorities, int journalRows);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "Prune failed; retrying at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
