using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Attested nodes: upserted by SPIFFE ID, listed with keyset paging.</summary>
internal sealed partial class EfDataStore
{
    public Task<AttestedNode> UpsertAttestedNodeAsync(AttestedNode node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrEmpty(node.SpiffeId, nameof(node));
        var now = NowMs();
        var spiffeId = node.SpiffeId;
        var attestationType = node.AttestationType;
        var serial = node.CertificateSerial;
        var notAfter = DatastoreEncoding.ToUnixMs(node.CertificateNotAfter);
        var selectors = DatastoreEncoding.ToJson(node.Selectors ?? []);
        var canReattest = node.CanReattest;
        var banned = node.Banned;
        var createdAt = node.CreatedAt == default ? now : DatastoreEncoding.ToUnixMs(node.CreatedAt);
        var lastSeenAt = node.LastSeenAt == default ? now : DatastoreEncoding.ToUnixMs(node.LastSeenAt);
        return WriteAsync(
            "upsert attested node",
            async (db, ct) =>
            {
                // One statement, same text on both providers: two replicas admitting the same agent
                // cannot collide. The first attestation time is kept, and so is a ban: an attestation
                // that checked the node before an admin banned it must not clear the ban. The SVID of an
                // attestation is current at once, so no renewed SVID stays pending.
                await db.Database.ExecuteSqlAsync(
                    $"""
                    INSERT INTO attested_nodes (spiffe_id, attestation_type, certificate_serial, certificate_not_after, new_certificate_serial, new_certificate_not_after, selectors, can_reattest, banned, created_at, last_seen_at)
                    VALUES ({spiffeId}, {attestationType}, {serial}, {notAfter}, NULL, NULL, {selectors}, {canReattest}, {banned}, {createdAt}, {lastSeenAt})
                    ON CONFLICT (spiffe_id) DO UPDATE SET
                        attestation_type = excluded.attestation_type,
                        certificate_serial = excluded.certificate_serial,
                        certificate_not_after = excluded.certificate_not_after,
                        new_certificate_serial = NULL,
                        new_certificate_not_after = NULL,
                        selectors = excluded.selectors,
                        can_reattest = excluded.can_reattest,
                        banned = attested_nodes.banned OR excluded.banned,
                        last_seen_at = excluded.last_seen_at
                    """,
                    ct);
                var row = await db.AttestedNodes.AsNoTracking().SingleAsync(n => n.SpiffeId == spiffeId, ct);
                return ToRecord(row);
            },
            cancellationToken);
    }

    public Task<AttestedNode?> GetAttestedNodeAsync(string spiffeId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spiffeId);
        return ReadAsync(
            "get attested node",
            async (db, ct) =>
            {
                var row = await db.AttestedNodes.AsNoTracking().FirstOrDefaultAsync(n => n.SpiffeId == spiffeId, ct);
                return row is null ? null : ToRecord(row);
            },
            cancellationToken);
    }

    public Task<Page<AttestedNode>> ListAttestedNodesAsync(int pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        var size = DatastoreEncoding.PageSize(pageSize);
        var after = pageToken is null ? null : DatastoreEncoding.DecodePageToken(pageToken, 1)[0];
        return ReadAsync(
            "list attested nodes",
            async (db, ct) =>
            {
                var query = db.AttestedNodes.AsNoTracking();
                if (after is not null)
                {
                    query = query.Where(n => string.Compare(n.SpiffeId, after) > 0);
                }

                var rows = await query.OrderBy(n => n.SpiffeId).Take(size + 1).ToListAsync(ct);
                var items = rows.Take(size).Select(ToRecord).ToList();
                var next = rows.Count > size ? DatastoreEncoding.EncodePageToken(items[^1].SpiffeId) : null;
                return new Page<AttestedNode>(items, next);
            },
            cancellationToken);
    }

    public Task<bool> DeleteAttestedNodeAsync(string spiffeId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spiffeId);
        return WriteAsync(
            "delete attested node",
            async (db, ct) => await db.AttestedNodes.Where(n => n.SpiffeId == spiffeId).ExecuteDeleteAsync(ct) > 0,
            cancellationToken);
    }

    public Task<int> PruneAttestedNodesAsync(DateTimeOffset notAfterBefore, CancellationToken cancellationToken)
    {
        var beforeMs = DatastoreEncoding.ToUnixMs(notAfterBefore);

        // One statement: a renewal or a ban landing at the same moment is re-checked row by row. A node
        // whose renewed SVID is still pending and unexpired stays: the agent may still use that one.
        return WriteAsync(
            "prune attested nodes",
            (db, ct) => db.AttestedNodes
                .Where(n => !n.Banned && n.CertificateNotAfter < beforeMs && (n.NewCertificateNotAfter == null || n.NewCertificateNotAfter < beforeMs))
                .ExecuteDeleteAsync(ct),
            cancellationToken);
    }

    private static AttestedNode ToRecord(AttestedNodeEntity row) => new()
    {
        SpiffeId = row.SpiffeId,
        AttestationType = row.AttestationType,
        CertificateSerial = row.CertificateSerial,
        CertificateNotAfter = DatastoreEncoding.FromUnixMs(row.CertificateNotAfter),
        NewCertificateSerial = row.NewCertificateSerial,
        NewCertificateNotAfter = row.NewCertificateNotAfter is { } newNotAfter ? DatastoreEncoding.FromUnixMs(newNotAfter) : null,
        Selectors = DatastoreEncoding.FromJson(row.Selectors),
        CanReattest = row.CanReattest,
        Banned = row.Banned,
        CreatedAt = DatastoreEncoding.FromUnixMs(row.CreatedAt),
        LastSeenAt = DatastoreEncoding.FromUnixMs(row.LastSeenAt),
    };
}
