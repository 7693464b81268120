using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Counts for monitoring: a handful of aggregate queries, each served by an index on expiry.</summary>
internal sealed partial class EfDataStore
{
    public Task<DatastoreStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nowMs = DatastoreEncoding.ToUnixMs(now);
        var hour = DatastoreEncoding.ToUnixMs(now.AddHours(1));
        var day = DatastoreEncoding.ToUnixMs(now.AddDays(1));
        return ReadAsync(
            "read statistics",
            async (db, ct) =>
            {
                var expiring = await db.IssuanceRecords.AsNoTracking()
                    .Where(r => r.NotAfter > nowMs && r.NotAfter <= day)
                    .GroupBy(r => r.Kind)
                    .Select(g => new { Kind = g.Key, Day = g.LongCount(), Hour = g.LongCount(r => r.NotAfter <= hour) })
                    .ToListAsync(ct);
                var nodes = db.AttestedNodes.AsNoTracking();
                return new DatastoreStatistics
                {
                    SvidsExpiringWithinHour = expiring.ToDictionary(e => (SvidKind)e.Kind, e => e.Hour),
                    SvidsExpiringWithinDay = expiring.ToDictionary(e => (SvidKind)e.Kind, e => e.Day),
                    BannedNodes = await nodes.LongCountAsync(n => n.Banned, ct),
                    ExpiredNodes = await nodes.LongCountAsync(n => !n.Banned && n.CertificateNotAfter <= nowMs && (n.NewCertificateNotAfter == null || n.NewCertificateNotAfter <= nowMs), ct),
                    ActiveNodes = await nodes.LongCountAsync(n => !n.Banned && (n.CertificateNotAfter > nowMs || n.NewCertificateNotAfter > nowMs), ct),
                    RevokedSvids = await db.RevokedSvids.AsNoTracking().LongCountAsync(ct),
                };
            },
            cancellationToken);
    }
}
