using System.Globalization;
using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Revoked X509-SVIDs under a revocation revision, and each authority's latest CRL.</summary>
internal sealed partial class EfDataStore
{
    public Task<IReadOnlyList<RevokedSvid>> RevokeSvidsAsync(IReadOnlyList<RevokedSvid> svids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(svids);
        foreach (var svid in svids)
        {
            ArgumentNullException.ThrowIfNull(svid, nameof(svids));
            ArgumentException.ThrowIfNullOrEmpty(svid.AuthorityId, nameof(svids));
            ArgumentException.ThrowIfNullOrEmpty(svid.Serial, nameof(svids));
            ArgumentException.ThrowIfNullOrEmpty(svid.SpiffeId, nameof(svids));
            ArgumentException.ThrowIfNullOrEmpty(svid.Caller, nameof(svids));
        }

        var now = NowMs();
        return WriteAsync<IReadOnlyList<RevokedSvid>>(
            "revoke svids",
            async (db, ct) =>
            {
                if (svids.Count == 0)
                {
                    return [];
                }

                // Taking the revision first locks the counter row, so revocations commit in revision order.
                var revision = await NextCounterAsync(db, RevisionCounterEntity.RevocationId, ct);
                var added = new List<RevokedSvid>();
                foreach (var svid in svids.DistinctBy(s => (s.AuthorityId, s.Serial)))
                {
                    var authorityId = svid.AuthorityId;
                    var serial = svid.Serial;
                    var spiffeId = svid.SpiffeId;
                    var entryId = svid.EntryId;
                    var caller = svid.Caller;
                    var notAfter = DatastoreEncoding.ToUnixMs(svid.NotAfter);
                    var reason = svid.Reason ?? string.Empty;
                    var inserted = await db.Database.ExecuteSqlAsync(
                        $"""
                        INSERT INTO revoked_svids (authority_id, serial, spiffe_id, entry_id, caller, not_after, revoked_at, revision, reason)
                        VALUES ({authorityId}, {serial}, {spiffeId}, {entryId}, {caller}, {notAfter}, {now}, {revision}, {reason})
                        ON CONFLICT (authority_id, serial) DO NOTHING
                        """,
                        ct);
                    if (inserted == 1)
                    {
                        added.Add(svid with { RevokedAt = DatastoreEncoding.FromUnixMs(now), Revision = revision });
                    }
                }

                if (added.Count == 0)
                {
                    // Nothing new: leave no trace, not even a raised revision.
                    await db.Database.RollbackTransactionAsync(ct);
                }

                return added;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<RevokedSvid>> ListRevokedSvidsAsync(string? authorityId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<RevokedSvid>>(
            "list revoked svids",
            async (db, ct) =>
            {
                var query = db.RevokedSvids.AsNoTracking();
                if (authorityId is not null)
                {
                    query = query.Where(r => r.AuthorityId == authorityId);
                }

                var rows = await query.OrderBy(r => r.Revision).ThenBy(r => r.AuthorityId).ThenBy(r => r.Serial).ToListAsync(ct);
                return [.. rows.Select(ToRecord)];
            },
            cancellationToken);

    public Task<long> GetRevocationRevisionAsync(CancellationToken cancellationToken) =>
        ReadAsync(
            "read revocation revision",
            (db, ct) => db.RevisionCounter
                .Where(c => c.Id == RevisionCounterEntity.RevocationId)
                .Select(c => c.Value)
                .SingleAsync(ct),
            cancellationToken);

    public Task<int> PruneRevokedSvidsAsync(DateTimeOffset notAfterBefore, CancellationToken cancellationToken)
    {
        var cutoff = DatastoreEncoding.ToUnixMs(notAfterBefore);
        return WriteAsync(
            "prune revoked svids",
            (db, ct) => db.RevokedSvids.Where(r => r.NotAfter < cutoff).ExecuteDeleteAsync(ct),
            cancellationToken);
    }

    public Task<bool> SaveCrlAsync(StoredCrl crl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(crl);
        ArgumentException.ThrowIfNullOrEmpty(crl.AuthorityId, nameof(crl));
        ArgumentNullException.ThrowIfNull(crl.Der, nameof(crl));
        var authorityId = crl.AuthorityId;
        var number = crl.CrlNumber;
        var der = crl.Der;
        var thisUpdate = DatastoreEncoding.ToUnixMs(crl.ThisUpdate);
        var nextUpdate = DatastoreEncoding.ToUnixMs(crl.NextUpdate);
        var revision = crl.RevocationRevision;
        return WriteAsync(
            "save crl",
            async (db, ct) => await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO crls (authority_id, crl_number, der, this_update, next_update, revocation_revision)
                VALUES ({authorityId}, {number}, {der}, {thisUpdate}, {nextUpdate}, {revision})
                ON CONFLICT (authority_id) DO UPDATE SET
                    crl_number = excluded.crl_number,
                    der = excluded.der,
                    this_update = excluded.this_update,
                    next_update = excluded.next_update,
                    revocation_revision = excluded.revocation_revision
                WHERE crls.crl_number < excluded.crl_number
                """,
                ct) == 1,
            cancellationToken);
    }

    public Task<IReadOnlyList<StoredCrl>> ListCrlsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<StoredCrl>>(
            "list crls",
            async (db, ct) =>
            {
                var rows = await db.Crls.AsNoTracking().OrderBy(c => c.AuthorityId).ToListAsync(ct);
                return [.. rows.Select(c => new StoredCrl
                {
                    AuthorityId = c.AuthorityId,
                    CrlNumber = c.CrlNumber,
                    Der = c.Der,
                    ThisUpdate = DatastoreEncoding.FromUnixMs(c.ThisUpdate),
                    NextUpdate = DatastoreEncoding.FromUnixMs(c.NextUpdate),
                    RevocationRevision = c.RevocationRevision,
                })];
            },
            cancellationToken);

    /// <summary>Raises one row of <c>revision_counter</c> inside the current transaction and returns the new value.</summary>
    private static async Task<long> NextCounterAsync(IssuerDbContext db, int counterId, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = "UPDATE revision_counter SET value = value + 1 WHERE id = " + counterId.ToString(CultureInfo.InvariantCulture) + " RETURNING value";
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }

    private static RevokedSvid ToRecord(RevokedSvidEntity row) => new()
    {
        AuthorityId = row.AuthorityId,
        Serial = row.Serial,
        SpiffeId = row.SpiffeId,
        EntryId = row.EntryId,
        Caller = row.Caller,
        NotAfter = DatastoreEncoding.FromUnixMs(row.NotAfter),
        RevokedAt = DatastoreEncoding.FromUnixMs(row.RevokedAt),
        Revision = row.Revision,
        Reason = row.Reason,
    };
}
