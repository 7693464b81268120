using System.Globalization;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// Deleting this replica's CA keys that nothing needs any more. Keys live in each replica's own key
/// manager, so this is per replica (the rotation job runs it); the journal rows and the bundle are
/// pruned by the global prune job. A key goes when every journal row that names it is old or revoked
/// and expired more than the retention ago, or when no row names it (its row was pruned, or a crash
/// left the key behind) and it was created more than the retention ago: a key younger than that may
/// belong to an authority being created right now, whose row is written after its key.
/// </summary>
internal sealed partial class CaManager
{
    private DateTimeOffset _keysPrunedAt = DateTimeOffset.MinValue;

    /// <summary>Runs <see cref="PruneKeysAsync"/> when the last run is at least <paramref name="every"/> ago (listing keys can be a remote call).</summary>
    public async Task<int> PruneKeysIfDueAsync(TimeSpan retention, TimeSpan every, CancellationToken cancellationToken)
    {
        if (_time.GetUtcNow() - _keysPrunedAt < every)
        {
            return 0;
        }

        var deleted = await PruneKeysAsync(retention, cancellationToken);
        _keysPrunedAt = _time.GetUtcNow();
        return deleted;
    }

    /// <summary>Deletes the CA keys that no authority needs any more (see the type's remarks); returns how many.</summary>
    public async Task<int> PruneKeysAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        // Under the gate no authority is half-created by this replica, and the in-memory ones are settled.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var cutoff = _time.GetUtcNow() - retention;
            var rows = new List<CaAuthority>();
            rows.AddRange(await _store.ListAuthoritiesAsync(AuthorityKind.X509, cancellationToken));
            rows.AddRange(await _store.ListAuthoritiesAsync(AuthorityKind.Jwt, cancellationToken));
            var inUse = new HashSet<string>(StringComparer.Ordinal);
            foreach (var record in (CaAuthority?[])[_x509?.Record, _jwt?.Record, _preparedX509?.Record, _preparedJwt?.Record])
            {
                if (record is not null)
                {
                    inUse.Add(record.KeyId);
                }
            }

            var deleted = 0;
            foreach (var key in await _keys.GetKeysAsync(cancellationToken))
            {
                if (inUse.Contains(key.KeyId) || CaKeyCreatedAt(key.KeyId) is not { } createdAt)
                {
                    continue;
                }

                var naming = rows.Where(r => r.KeyId == key.KeyId).ToList();
                var unneeded = naming.Count == 0
                    ? createdAt < cutoff
                    : naming.All(r => (r.Status is AuthorityStatus.Old or AuthorityStatus.Revoked) && r.NotAfter < cutoff);
                if (unneeded && await _keys.DeleteKeyAsync(key.KeyId, cancellationToken))
                {
                    deleted++;
                    LogKeyDeleted(_logger, key.KeyId, naming.Count == 0 ? "no journal row names it" : "its authority expired at " + naming.Max(r => r.NotAfter).ToString("O", CultureInfo.InvariantCulture));
                }
            }

            return deleted;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>When a CA key (<c>x509-ca-A-1795000000-0a1b2c3d</c>, <c>jwt-B-…</c>) was created; null for any other key.</summary>
    private static DateTimeOffset? CaKeyCreatedAt(string keyId)
    {
        if (!keyId.StartsWith("x509-ca-", StringComparison.Ordinal) && !keyId.StartsWith("jwt-", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = keyId.Split('-');
        return parts.Length >= 4 && long.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Deleted CA key {KeyId} from the key manager: {Reason}")]
    private static partial void LogKeyDeleted(ILogger logger, string keyId, string reason);
}
