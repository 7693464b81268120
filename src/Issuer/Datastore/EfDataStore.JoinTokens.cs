using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Join tokens: stored by hash, consumed at most once.</summary>
internal sealed partial class EfDataStore
{
    public Task CreateJoinTokenAsync(JoinToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentException.ThrowIfNullOrEmpty(token.TokenHash, nameof(token));
        return WriteAsync(
            "create join token",
            async (db, ct) =>
            {
                db.JoinTokens.Add(new JoinTokenEntity
                {
                    TokenHash = token.TokenHash,
                    ExpiresAt = DatastoreEncoding.ToUnixMs(token.ExpiresAt),
                    CreatedAt = DatastoreEncoding.ToUnixMs(token.CreatedAt),
                });
                return await db.SaveChangesAsync(ct);
            },
            cancellationToken);
    }

    public Task<JoinToken?> ConsumeJoinTokenAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        var nowMs = DatastoreEncoding.ToUnixMs(now);
        return WriteAsync(
            "consume join token",
            async (db, ct) =>
            {
                var row = await db.JoinTokens.AsNoTracking()
                    .FirstOrDefaultAsync(t => t.TokenHash == tokenHash && t.ExpiresAt > nowMs, ct);
                if (row is null)
                {
                    return null;
                }

                // The DELETE decides the race: only one caller sees a row go.
                var deleted = await db.JoinTokens
                    .Where(t => t.TokenHash == tokenHash && t.ExpiresAt > nowMs)
                    .ExecuteDeleteAsync(ct);
                return deleted == 1
                    ? new JoinToken(row.TokenHash, DatastoreEncoding.FromUnixMs(row.ExpiresAt), DatastoreEncoding.FromUnixMs(row.CreatedAt))
                    : null;
            },
            cancellationToken);
    }

    public Task<int> PruneJoinTokensAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = DatastoreEncoding.ToUnixMs(now);
        return WriteAsync(
            "prune join tokens",
            (db, ct) => db.JoinTokens.Where(t => t.ExpiresAt < nowMs).ExecuteDeleteAsync(ct),
            cancellationToken);
    }
}
