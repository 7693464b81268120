using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// Issuance record queries: keyset paging in an order chosen by the filter so that each page is one
/// range of one index (see <see cref="IssuanceFilter"/> and ADR 0011). The keyset condition is written
/// as <c>key &lt;= last AND NOT (rows up to the last one)</c>, not as an OR of tuples, so both SQLite
/// and PostgreSQL take the first part as the index range and the rest only rejects the few rows that
/// share the last key.
/// </summary>
internal sealed partial class EfDataStore
{
    /// <summary>The order a filter is listed in; its letter leads the page token.</summary>
    internal enum IssuanceOrder
    {
        /// <summary>Newest first: created-at, serial, kind, descending.</summary>
        Newest = 'n',

        /// <summary>Soonest expiry first: not-after, serial, kind, ascending.</summary>
        Expiry = 'e',

        /// <summary>Most recently revoked first: revocation revision, authority, serial, descending.</summary>
        Revocation = 'r',
    }

    public Task<Page<IssuanceRecord>> ListIssuanceRecordsAsync(IssuanceFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var pageSize = DatastoreEncoding.PageSize(filter.PageSize);
        var order = OrderFor(filter);
        IssuanceKey? after = filter.PageToken is null ? null : ReadIssuanceToken(filter.PageToken, order);
        return ReadAsync(
            "list issuance records",
            async (db, ct) =>
            {
                var rows = await IssuanceQuery(db, filter, after, pageSize + 1).ToListAsync(ct);
                var page = rows.Take(pageSize).ToList();
                string? next = null;
                if (rows.Count > pageSize)
                {
                    var last = page[^1];
                    next = order switch
                    {
                        IssuanceOrder.Expiry => DatastoreEncoding.EncodePageToken("e", DatastoreEncoding.FormatLong(last.Record.NotAfter), last.Record.Serial, DatastoreEncoding.FormatLong(last.Record.Kind)),
                        IssuanceOrder.Revocation => DatastoreEncoding.EncodePageToken("r", DatastoreEncoding.FormatLong(last.Revision ?? 0), last.Record.SigningAuthority, last.Record.Serial),
                        _ => DatastoreEncoding.EncodePageToken("n", DatastoreEncoding.FormatLong(last.Record.CreatedAt), last.Record.Serial, DatastoreEncoding.FormatLong(last.Record.Kind)),
                    };
                }

                return new Page<IssuanceRecord>([.. page.Select(r => ToRecord(r.Record, r.RevokedAt))], next);
            },
            cancellationToken);
    }

    public Task<RevokedSvid?> GetRevokedSvidAsync(string authorityId, string serial, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(authorityId);
        ArgumentException.ThrowIfNullOrEmpty(serial);
        return ReadAsync(
            "get revoked svid",
            async (db, ct) =>
            {
                var row = await db.RevokedSvids.AsNoTracking().FirstOrDefaultAsync(r => r.AuthorityId == authorityId && r.Serial == serial, ct);
                return row is null ? null : ToRecord(row);
            },
            cancellationToken);
    }

    /// <summary>The order <paramref name="filter"/> is listed in.</summary>
    internal static IssuanceOrder OrderFor(IssuanceFilter filter)
    {
        if (filter.Serial is not null || filter.SpiffeId is not null || filter.EntryId is not null || filter.Caller is not null || filter.SigningAuthority is not null)
        {
            return IssuanceOrder.Newest;
        }

        if (filter.ExpiresAtOrAfter is not null || filter.ExpiresBefore is not null)
        {
            return IssuanceOrder.Expiry;
        }

        return filter.Revoked ? IssuanceOrder.Revocation : IssuanceOrder.Newest;
    }

    /// <summary>
    /// The query for one page (<paramref name="take"/> rows after <paramref name="after"/>); internal so
    /// the datastore suite can ask each provider for its plan.
    /// </summary>
    internal static IQueryable<IssuanceRow> IssuanceQuery(IssuerDbContext db, IssuanceFilter filter, IssuanceKey? after, int take)
    {
        const int x509 = (int)SvidKind.X509;
        var order = OrderFor(filter);
        if (order == IssuanceOrder.Revocation)
        {
            var revoked = db.RevokedSvids.AsNoTracking().AsQueryable();
            if (after is { } a)
            {
                revoked = revoked.Where(v => v.Revision <= a.First
                    && (v.Revision < a.First || string.Compare(v.AuthorityId, a.Second) < 0
                        || (v.AuthorityId == a.Second && string.Compare(v.Serial, a.Third) < 0)));
            }

            return revoked
                .Join(
                    db.IssuanceRecords.AsNoTracking().Where(r => r.Kind == x509),
                    v => new { v.Serial, Authority = v.AuthorityId },
                    r => new { r.Serial, Authority = r.SigningAuthority },
                    (v, r) => new { Revocation = v, Record = r })
                .OrderByDescending(x => x.Revocation.Revision)
                .ThenByDescending(x => x.Revocation.AuthorityId)
                .ThenByDescending(x => x.Revocation.Serial)
                .Take(take)
                .Select(x => new IssuanceRow { Record = x.Record, RevokedAt = x.Revocation.RevokedAt, Revision = x.Revocation.Revision });
        }

        var query = db.IssuanceRecords.AsNoTracking();
        if (filter.Serial is { } serial)
        {
            query = query.Where(r => r.Serial == serial);
        }

        if (filter.SpiffeId is { } spiffeId)
        {
            query = query.Where(r => r.SpiffeId == spiffeId);
        }

        if (filter.EntryId is { } entryId)
        {
            query = query.Where(r => r.EntryId == entryId);
        }

        if (filter.Caller is { } caller)
        {
            query = query.Where(r => r.Caller == caller);
        }

        if (filter.SigningAuthority is { } authority)
        {
            query = query.Where(r => r.SigningAuthority == authority);
        }

        if (filter.ExpiresAtOrAfter is { } from)
        {
            var fromMs = DatastoreEncoding.ToUnixMs(from);
            query = query.Where(r => r.NotAfter >= fromMs);
        }

        if (filter.ExpiresBefore is { } before)
        {
            var beforeMs = DatastoreEncoding.ToUnixMs(before);
            query = query.Where(r => r.NotAfter < beforeMs);
        }

        if (filter.Revoked)
        {
            query = query.Where(r => r.Kind == x509 && db.RevokedSvids.Any(v => v.AuthorityId == r.SigningAuthority && v.Serial == r.Serial));
        }

        if (order == IssuanceOrder.Expiry)
        {
            if (after is { } a)
            {
                var kind = a.Kind;
                query = query.Where(r => r.NotAfter >= a.First
                    && (r.NotAfter > a.First || string.Compare(r.Serial, a.Second) > 0 || (r.Serial == a.Second && r.Kind > kind)));
            }

            query = query.OrderBy(r => r.NotAfter).ThenBy(r => r.Serial).ThenBy(r => r.Kind);
        }
        else
        {
            if (after is { } a)
            {
                var kind = a.Kind;
                query = query.Where(r => r.CreatedAt <= a.First
                    && (r.CreatedAt < a.First || string.Compare(r.Serial, a.Second) < 0 || (r.Serial == a.Second && r.Kind < kind)));
            }

            query = query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Serial).ThenByDescending(r => r.Kind);
        }

        return query
            .Take(take)
            .Select(r => new IssuanceRow
            {
                Record = r,
                RevokedAt = r.Kind == x509
                    ? db.RevokedSvids.Where(v => v.AuthorityId == r.SigningAuthority && v.Serial == r.Serial).Select(v => (long?)v.RevokedAt).FirstOrDefault()
                    : null,
            });
    }

    /// <summary>The keyset position a page token holds; throws <see cref="ArgumentException"/> for a token of another order or none of ours.</summary>
    internal static IssuanceKey ReadIssuanceToken(string token, IssuanceOrder order)
    {
        var parts = DatastoreEncoding.DecodePageToken(token, 4);
        if (parts[0].Length != 1 || parts[0][0] != (char)order)
        {
            throw new ArgumentException("page token belongs to another filter", nameof(token));
        }

        return order == IssuanceOrder.Revocation
            ? new IssuanceKey(DatastoreEncoding.ParseLong(parts[1]), parts[2], parts[3], 0)
            : new IssuanceKey(DatastoreEncoding.ParseLong(parts[1]), parts[2], string.Empty, DatastoreEncoding.ParseLong(parts[3]) is var kind and >= 0 and <= int.MaxValue
                ? (int)kind
                : throw new ArgumentException("page token is not valid", nameof(token)));
    }

    /// <summary>A keyset position: the first key, then (Newest, Expiry) serial and kind, or (Revocation) authority and serial.</summary>
    internal readonly record struct IssuanceKey(long First, string Second, string Third, int Kind);

    /// <summary>A record as read, with its revocation (time and revision) when it was revoked.</summary>
    internal sealed class IssuanceRow
    {
        public required IssuanceRecordEntity Record { get; init; }

        public long? RevokedAt { get; init; }

        public long? Revision { get; init; }
    }
}
