using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Upstream roots: at most one current (a unique index on <c>current</c>), replaced ones kept.</summary>
internal sealed partial class EfDataStore
{
    public Task<IReadOnlyList<UpstreamRoot>> ListUpstreamRootsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<UpstreamRoot>>(
            "list upstream roots",
            async (db, ct) =>
            {
                var rows = await db.UpstreamRoots.AsNoTracking().OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(ct);
                return [.. rows.Select(ToRecord)];
            },
            cancellationToken);

    public Task<bool> AddUpstreamRootAsync(UpstreamRoot root, bool replaceCurrent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentException.ThrowIfNullOrEmpty(root.Id, nameof(root));
        ArgumentException.ThrowIfNullOrEmpty(root.KeyManager, nameof(root));
        ArgumentException.ThrowIfNullOrEmpty(root.KeyId, nameof(root));
        if (root.Certificate is not { Length: > 0 })
        {
            throw new ArgumentException("an upstream root needs its certificate", nameof(root));
        }

        var entity = new UpstreamRootEntity
        {
            Id = root.Id,
            KeyManager = root.KeyManager,
            KeyId = root.KeyId,
            Certificate = root.Certificate,
            NotBefore = DatastoreEncoding.ToUnixMs(root.NotBefore),
            NotAfter = DatastoreEncoding.ToUnixMs(root.NotAfter),
            CreatedAt = root.CreatedAt == default ? NowMs() : DatastoreEncoding.ToUnixMs(root.CreatedAt),
            Current = UpstreamRootEntity.CurrentValue,
        };
        return WriteAsync(
            "add upstream root",
            async (db, ct) =>
            {
                var hasCurrent = await db.UpstreamRoots.AnyAsync(r => r.Current == UpstreamRootEntity.CurrentValue, ct);
                if (hasCurrent && !replaceCurrent)
                {
                    return false;
                }

                await db.UpstreamRoots.Where(r => r.Current == UpstreamRootEntity.CurrentValue)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.Current, (int?)null), ct);
                // A racing add that became current first makes this insert break the unique index: one wins.
                db.UpstreamRoots.Add(entity);
                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);
    }

    private static UpstreamRoot ToRecord(UpstreamRootEntity row) => new()
    {
        Id = row.Id,
        KeyManager = row.KeyManager,
        KeyId = row.KeyId,
        Certificate = row.Certificate,
        NotBefore = DatastoreEncoding.FromUnixMs(row.NotBefore),
        NotAfter = DatastoreEncoding.FromUnixMs(row.NotAfter),
        CreatedAt = DatastoreEncoding.FromUnixMs(row.CreatedAt),
        IsCurrent = row.Current == UpstreamRootEntity.CurrentValue,
    };
}
