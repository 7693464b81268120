using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Trust bundles: appends and removals serialized per trust domain, sequence raised only on change.</summary>
internal sealed partial class EfDataStore
{
    public Task<TrustBundle?> GetBundleAsync(string trustDomain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trustDomain);
        return ReadAsync("get bundle", (db, ct) => LoadBundleAsync(db, trustDomain, ct), cancellationToken);
    }

    public Task<IReadOnlyList<TrustBundle>> ListBundlesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<TrustBundle>>(
            "list bundles",
            async (db, ct) =>
            {
                var rows = await db.Bundles.AsNoTracking()
                    .Include(b => b.X509Authorities)
                    .Include(b => b.JwtKeys)
                    .AsSplitQuery()
                    .OrderBy(b => b.TrustDomain)
                    .ToListAsync(ct);
                return [.. rows.Select(ToRecord)];
            },
            cancellationToken);

    public Task<TrustBundle> AppendBundleAsync(
        string trustDomain, bool isOwn, IReadOnlyList<byte[]> x509Authorities, IReadOnlyList<BundleJwtKey> jwtKeys, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(trustDomain);
        ArgumentNullException.ThrowIfNull(x509Authorities);
        ArgumentNullException.ThrowIfNull(jwtKeys);
        var now = NowMs();
        return WriteAsync(
            "append bundle",
            async (db, ct) =>
            {
                // Create the header if absent (sequence 0 until the change below), then lock it: on
                // PostgreSQL the UPDATE holds the row until commit, so a second replica appending to
                // the same bundle waits here and then sees this one's rows.
                var created = await db.Database.ExecuteSqlAsync(
                    $"""
                    INSERT INTO bundles (trust_domain, sequence, refresh_hint_seconds, is_own, updated_at)
                    VALUES ({trustDomain}, 0, 0, {isOwn}, {now})
                    ON CONFLICT (trust_domain) DO NOTHING
                    """,
                    ct) == 1;
                await LockBundleAsync(db, trustDomain, ct);

                var x509Rows = await db.BundleX509Authorities.AsNoTracking()
                    .Where(a => a.TrustDomain == trustDomain)
                    .Select(a => new { a.DerSha256, a.Position })
                    .ToListAsync(ct);
                var x509Present = x509Rows.Select(a => a.DerSha256).ToHashSet(StringComparer.Ordinal);
                var x509Position = x509Rows.Count == 0 ? 0 : x509Rows.Max(a => a.Position) + 1;
                var added = 0;
                foreach (var der in x509Authorities)
                {
                    ArgumentNullException.ThrowIfNull(der, nameof(x509Authorities));
                    var hash = DatastoreEncoding.Sha256Hex(der);
                    if (x509Present.Add(hash))
                    {
                        db.BundleX509Authorities.Add(new BundleX509AuthorityEntity
                        {
                            TrustDomain = trustDomain,
                            DerSha256 = hash,
                            Position = x509Position++,
                            Der = der,
                        });
                        added++;
                    }
                }

                var jwtRows = await db.BundleJwtKeys.AsNoTracking()
                    .Where(k => k.TrustDomain == trustDomain)
                    .Select(k => new { k.KeyId, k.Position })
                    .ToListAsync(ct);
                var kidPresent = jwtRows.Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
                var jwtPosition = jwtRows.Count == 0 ? 0 : jwtRows.Max(k => k.Position) + 1;
                foreach (var key in jwtKeys)
                {
                    ArgumentNullException.ThrowIfNull(key, nameof(jwtKeys));
                    ArgumentException.ThrowIfNullOrEmpty(key.KeyId, nameof(jwtKeys));
                    if (kidPresent.Add(key.KeyId))
                    {
                        db.BundleJwtKeys.Add(new BundleJwtKeyEntity
                        {
                            TrustDomain = trustDomain,
                            KeyId = key.KeyId,
                            Position = jwtPosition++,
                            PublicKey = key.SubjectPublicKeyInfo,
                            NotAfter = DatastoreEncoding.ToUnixMs(key.NotAfter),
                        });
                        added++;
                    }
                }

                await db.SaveChangesAsync(ct);
                if (created || added > 0)
                {
                    await BumpSequenceAsync(db, trustDomain, now, ct);
                }

                return await LoadBundleAsync(db, trustDomain, ct)
                    ?? throw new InvalidOperationException("bundle vanished inside its own transaction");
            },
            cancellationToken);
    }

    public Task<TrustBundle> RemoveFromBundleAsync(
        string trustDomain, IReadOnlyList<byte[]> x509Authorities, IReadOnlyList<string> jwtKeyIds, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(trustDomain);
        ArgumentNullException.ThrowIfNull(x509Authorities);
        ArgumentNullException.ThrowIfNull(jwtKeyIds);
        var hashes = x509Authorities.Select(der => DatastoreEncoding.Sha256Hex(der)).Distinct(StringComparer.Ordinal).ToList();
        var kids = jwtKeyIds.Distinct(StringComparer.Ordinal).ToList();
        var now = NowMs();
        return WriteAsync(
            "remove from bundle",
            async (db, ct) =>
            {
                if (!await LockBundleAsync(db, trustDomain, ct))
                {
                    throw new NotFoundException($"no bundle for trust domain {trustDomain}");
                }

                var removed = 0;
                if (hashes.Count > 0)
                {
                    removed += await db.BundleX509Authorities
                        .Where(a => a.TrustDomain == trustDomain && hashes.Contains(a.DerSha256))
                        .ExecuteDeleteAsync(ct);
                }

                if (kids.Count > 0)
                {
                    removed += await db.BundleJwtKeys
                        .Where(k => k.TrustDomain == trustDomain && kids.Contains(k.KeyId))
                        .ExecuteDeleteAsync(ct);
                }

                if (removed > 0)
                {
                    await BumpSequenceAsync(db, trustDomain, now, ct);
                }

                return await LoadBundleAsync(db, trustDomain, ct)
                    ?? throw new InvalidOperationException("bundle vanished inside its own transaction");
            },
            cancellationToken);
    }

    /// <summary>Takes the bundle row's write lock for the rest of the transaction; false when there is no row.</summary>
    private static async Task<bool> LockBundleAsync(IssuerDbContext db, string trustDomain, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync(
            $"UPDATE bundles SET sequence = sequence WHERE trust_domain = {trustDomain}",
            cancellationToken) == 1;

    private static Task<int> BumpSequenceAsync(IssuerDbContext db, string trustDomain, long now, CancellationToken cancellationToken) =>
        db.Bundles
            .Where(b => b.TrustDomain == trustDomain)
            .ExecuteUpdateAsync(
                s => s.SetProperty(b => b.Sequence, b => b.Sequence + 1).SetProperty(b => b.UpdatedAt, now),
                cancellationToken);

    private static async Task<TrustBundle?> LoadBundleAsync(IssuerDbContext db, string trustDomain, CancellationToken cancellationToken)
    {
        var row = await db.Bundles.AsNoTracking()
            .Include(b => b.X509Authorities)
            .Include(b => b.JwtKeys)
            .AsSplitQuery()
            .FirstOrDefaultAsync(b => b.TrustDomain == trustDomain, cancellationToken);
        return row is null ? null : ToRecord(row);
    }

    private static TrustBundle ToRecord(BundleEntity row) => new()
    {
        TrustDomain = row.TrustDomain,
        X509Authorities = [.. row.X509Authorities.OrderBy(a => a.Position).Select(a => a.Der)],
        JwtKeys = [.. row.JwtKeys.OrderBy(k => k.Position).Select(k => new BundleJwtKey(k.KeyId, k.PublicKey, DatastoreEncoding.FromUnixMs(k.NotAfter)))],
        Sequence = row.Sequence,
        RefreshHintSeconds = row.RefreshHintSeconds,
        IsOwn = row.IsOwn,
        UpdatedAt = DatastoreEncoding.FromUnixMs(row.UpdatedAt),
    };
}
