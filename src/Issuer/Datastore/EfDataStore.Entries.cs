using System.Linq.Expressions;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Registration entries: revisioned writes, duplicate refusal by unique index, SQL-side selector matching.</summary>
internal sealed partial class EfDataStore
{
    public async Task<RegistrationEntry> CreateEntryAsync(RegistrationEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var selectors = ValidateEntry(entry);
        var id = string.IsNullOrEmpty(entry.Id) ? Guid.NewGuid().ToString("N") : entry.Id;
        var hash = DatastoreEncoding.SelectorsHash(selectors);
        try
        {
            return await WriteAsync(
                "create entry",
                async (db, ct) =>
                {
                    var revision = await NextRevisionAsync(db, ct);
                    var row = new RegistrationEntryEntity { Id = id, RevisionNumber = revision, CreatedAt = NowMs() };
                    Apply(row, entry, selectors, hash);
                    db.Entries.Add(row);

                    // An id may come back after a delete; it is live again, not deleted.
                    await db.EntryTombstones.Where(t => t.EntryId == id).ExecuteDeleteAsync(ct);
                    await db.SaveChangesAsync(ct);
                    return ToRecord(row);
                },
                cancellationToken);
        }
        catch (DatastoreException ex) when (DatastoreErrors.IsUniqueViolation(ex))
        {
            var existing = await FindSameIdentityAsync(entry.SpiffeId, entry.ParentId, hash, exceptId: null, cancellationToken);
            throw new DuplicateEntryException(existing ?? id);
        }
    }

    public Task<RegistrationEntry?> GetEntryAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ReadAsync(
            "get entry",
            async (db, ct) =>
            {
                var row = await db.Entries.AsNoTracking().Include(e => e.Selectors).FirstOrDefaultAsync(e => e.Id == id, ct);
                return row is null ? null : ToRecord(row);
            },
            cancellationToken);
    }

    public async Task<RegistrationEntry> UpdateEntryAsync(RegistrationEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.Id, nameof(entry));
        var selectors = ValidateEntry(entry);
        var hash = DatastoreEncoding.SelectorsHash(selectors);
        try
        {
            return await WriteAsync(
                "update entry",
                async (db, ct) =>
                {
                    var revision = await NextRevisionAsync(db, ct);
                    var row = await db.Entries.FirstOrDefaultAsync(e => e.Id == entry.Id, ct)
                        ?? throw new NotFoundException($"registration entry {entry.Id} does not exist");
                    Apply(row, entry, selectors, hash);
                    row.RevisionNumber = revision;
                    await db.EntrySelectors.Where(s => s.EntryId == entry.Id).ExecuteDeleteAsync(ct);
                    db.EntrySelectors.AddRange(row.Selectors);
                    await db.SaveChangesAsync(ct);
                    return ToRecord(row);
                },
                cancellationToken);
        }
        catch (DatastoreException ex) when (DatastoreErrors.IsUniqueViolation(ex))
        {
            var existing = await FindSameIdentityAsync(entry.SpiffeId, entry.ParentId, hash, entry.Id, cancellationToken);
            throw new DuplicateEntryException(existing ?? string.Empty);
        }
    }

    public Task<RegistrationEntry?> DeleteEntryAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return WriteAsync(
            "delete entry",
            async (db, ct) =>
            {
                var revision = await NextRevisionAsync(db, ct);
                var row = await db.Entries.AsNoTracking().Include(e => e.Selectors).FirstOrDefaultAsync(e => e.Id == id, ct);
                if (row is null)
                {
                    // Nothing changed: give the revision back.
                    await db.Database.RollbackTransactionAsync(ct);
                    return null;
                }

                await db.EntrySelectors.Where(s => s.EntryId == id).ExecuteDeleteAsync(ct);
                await db.Entries.Where(e => e.Id == id).ExecuteDeleteAsync(ct);
                db.EntryTombstones.Add(new EntryTombstoneEntity { EntryId = id, RevisionNumber = revision });
                await db.SaveChangesAsync(ct);
                return ToRecord(row);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<(string EntryId, long Revision)>> ListDeletedEntriesAsync(long afterRevision, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<(string, long)>>(
            "list deleted entries",
            async (db, ct) =>
            {
                var rows = await db.EntryTombstones.AsNoTracking()
                    .Where(t => t.RevisionNumber > afterRevision)
                    .OrderBy(t => t.RevisionNumber)
                    .ToListAsync(ct);
                return [.. rows.Select(t => (t.EntryId, t.RevisionNumber))];
            },
            cancellationToken);

    public Task<int> PruneEntryTombstonesAsync(long upToRevision, CancellationToken cancellationToken) =>
        WriteAsync(
            "prune entry tombstones",
            (db, ct) => db.EntryTombstones.Where(t => t.RevisionNumber <= upToRevision).ExecuteDeleteAsync(ct),
            cancellationToken);

    public Task<Page<RegistrationEntry>> ListEntriesAsync(EntryFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var pageSize = DatastoreEncoding.PageSize(filter.PageSize);
        var after = filter.PageToken is null ? null : DatastoreEncoding.DecodePageToken(filter.PageToken, 1)[0];
        if (filter.Selectors is not null && filter.Match == SelectorMatch.Unspecified)
        {
            throw new ArgumentException("a selector match mode (Exact, Subset or Superset) is required with selectors", nameof(filter));
        }

        return ReadAsync(
            "list entries",
            async (db, ct) =>
            {
                var query = db.Entries.AsNoTracking();
                if (filter.SpiffeId is { } spiffeId)
                {
                    query = query.Where(e => e.SpiffeId == spiffeId);
                }

                if (filter.ParentId is { } parentId)
                {
                    query = query.Where(e => e.ParentId == parentId);
                }

                if (filter.AfterRevision is { } afterRevision)
                {
                    query = query.Where(e => e.RevisionNumber > afterRevision);
                }

                if (filter.Selectors is not null)
                {
                    query = MatchSelectors(db, query, SelectorSet.Normalize(filter.Selectors), filter.Match);
                }

                if (after is not null)
                {
                    query = query.Where(e => string.Compare(e.Id, after) > 0);
                }

                var rows = await query
                    .OrderBy(e => e.Id)
                    .Take(pageSize + 1)
                    .Include(e => e.Selectors)
                    .AsSplitQuery()
                    .ToListAsync(ct);
                var items = rows.Take(pageSize).Select(ToRecord).ToList();
                var next = rows.Count > pageSize ? DatastoreEncoding.EncodePageToken(items[^1].Id) : null;
                return new Page<RegistrationEntry>(items, next);
            },
            cancellationToken);
    }

    private static IQueryable<RegistrationEntryEntity> MatchSelectors(
        IssuerDbContext db, IQueryable<RegistrationEntryEntity> query, IReadOnlyList<Selector> selectors, SelectorMatch match)
    {
        switch (match)
        {
            case SelectorMatch.Exact:
                var hash = DatastoreEncoding.SelectorsHash(selectors);
                return query.Where(e => e.SelectorsHash == hash);

            case SelectorMatch.Superset when selectors.Count == 0:
                return query;

            case SelectorMatch.Superset:
                // Entries holding every one of the filter's selectors: all n of them match.
                var count = selectors.Count;
                var holdingAll = db.EntrySelectors
                    .Where(AnyOf(selectors))
                    .GroupBy(s => s.EntryId)
                    .Where(g => g.Count() == count)
                    .Select(g => g.Key);
                return query.Where(e => holdingAll.Contains(e.Id));

            case SelectorMatch.Subset when selectors.Count == 0:
                return query.Where(e => e.SelectorCount == 0);

            case SelectorMatch.Subset:
                // Entries all of whose selectors are among the filter's: the number that match equals
                // the entry's own count. The (type, value) index finds the candidates.
                var matched = db.EntrySelectors
                    .Where(AnyOf(selectors))
                    .GroupBy(s => s.EntryId)
                    .Select(g => new { EntryId = g.Key, Matched = g.Count() });
                return from e in query
                       join m in matched on e.Id equals m.EntryId
                       where m.Matched == e.SelectorCount
                       select e;

            default:
                throw new ArgumentOutOfRangeException(nameof(match), match, "unknown selector match mode");
        }
    }

    /// <summary><c>s =&gt; (s.Type == t1 &amp;&amp; s.Value == v1) || ...</c>, with every value a SQL parameter.</summary>
    private static Expression<Func<EntrySelectorEntity, bool>> AnyOf(IReadOnlyList<Selector> selectors)
    {
        var s = Expression.Parameter(typeof(EntrySelectorEntity), "s");
        var type = Expression.Property(s, nameof(EntrySelectorEntity.Type));
        var value = Expression.Property(s, nameof(EntrySelectorEntity.Value));
        Expression? body = null;
        foreach (var selector in selectors)
        {
            // Member access on a captured object makes EF send a parameter, not a literal.
            var holder = Expression.Constant(new SelectorParameter(selector.Type, selector.Value));
            var one = Expression.AndAlso(
                Expression.Equal(type, Expression.Property(holder, nameof(SelectorParameter.Type))),
                Expression.Equal(value, Expression.Property(holder, nameof(SelectorParameter.Value))));
            body = body is null ? one : Expression.OrElse(body, one);
        }

        return Expression.Lambda<Func<EntrySelectorEntity, bool>>(body ?? Expression.Constant(false), s);
    }

    private async Task<string?> FindSameIdentityAsync(string spiffeId, string parentId, string hash, string? exceptId, CancellationToken cancellationToken) =>
        await ReadAsync(
            "find duplicate entry",
            (db, ct) => db.Entries.AsNoTracking()
                .Where(e => e.SpiffeId == spiffeId && e.ParentId == parentId && e.SelectorsHash == hash && e.Id != exceptId)
                .Select(e => e.Id)
                .FirstOrDefaultAsync(ct),
            cancellationToken);

    private static IReadOnlyList<Selector> ValidateEntry(RegistrationEntry entry)
    {
        ArgumentException.ThrowIfNullOrEmpty(entry.SpiffeId, nameof(entry));
        ArgumentException.ThrowIfNullOrEmpty(entry.ParentId, nameof(entry));
        ArgumentNullException.ThrowIfNull(entry.Selectors, nameof(entry));
        var selectors = SelectorSet.Normalize(entry.Selectors);
        if (selectors.Count == 0)
        {
            // An entry without selectors would match every workload under its parent.
            throw new ArgumentException("a registration entry needs at least one selector", nameof(entry));
        }

        return selectors;
    }

    private static void Apply(RegistrationEntryEntity row, RegistrationEntry entry, IReadOnlyList<Selector> selectors, string hash)
    {
        row.SpiffeId = entry.SpiffeId;
        row.ParentId = entry.ParentId;
        row.X509SvidTtlSeconds = entry.X509SvidTtlSeconds;
        row.JwtSvidTtlSeconds = entry.JwtSvidTtlSeconds;
        row.DnsNames = DatastoreEncoding.ToJson(entry.DnsNames ?? []);
        row.Hint = entry.Hint ?? string.Empty;
        row.Admin = entry.Admin;
        row.Downstream = entry.Downstream;
        row.ExpiresAt = entry.ExpiresAt is { } expires ? DatastoreEncoding.ToUnixMs(expires) : null;
        row.SelectorsHash = hash;
        row.SelectorCount = selectors.Count;
        row.Selectors = [.. selectors.Select(s => new EntrySelectorEntity { EntryId = row.Id, Type = s.Type, Value = s.Value })];
    }

    private static RegistrationEntry ToRecord(RegistrationEntryEntity row) => new()
    {
        Id = row.Id,
        SpiffeId = row.SpiffeId,
        ParentId = row.ParentId,
        Selectors = SelectorSet.Normalize(row.Selectors.Select(s => Selector.Create(s.Type, s.Value))),
        X509SvidTtlSeconds = row.X509SvidTtlSeconds,
        JwtSvidTtlSeconds = row.JwtSvidTtlSeconds,
        DnsNames = DatastoreEncoding.FromJson(row.DnsNames),
        Hint = row.Hint,
        Admin = row.Admin,
        Downstream = row.Downstream,
        ExpiresAt = row.ExpiresAt is { } expires ? DatastoreEncoding.FromUnixMs(expires) : null,
        RevisionNumber = row.RevisionNumber,
        CreatedAt = DatastoreEncoding.FromUnixMs(row.CreatedAt),
    };

    private sealed record SelectorParameter(string Type, string Value);
}
