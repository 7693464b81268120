using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>The CA journal: authorities upserted by id and listed per kind, oldest first.</summary>
internal sealed partial class EfDataStore
{
    public Task<CaAuthority> UpsertAuthorityAsync(CaAuthority authority, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentException.ThrowIfNullOrEmpty(authority.Id, nameof(authority));
        if (authority.Kind == AuthorityKind.Unspecified || !Enum.IsDefined(authority.Kind))
        {
            throw new ArgumentException($"authority kind {authority.Kind} is not valid", nameof(authority));
        }

        if (authority.Status == AuthorityStatus.Unspecified || !Enum.IsDefined(authority.Status))
        {
            throw new ArgumentException($"authority status {authority.Status} is not valid", nameof(authority));
        }

        var id = authority.Id;
        var kind = (int)authority.Kind;
        var slot = authority.Slot;
        var status = (int)authority.Status;
        var keyId = authority.KeyId;
        var publicData = authority.PublicData;
        var upstreamChain = authority.UpstreamChain ?? [];
        var notBefore = DatastoreEncoding.ToUnixMs(authority.NotBefore);
        var notAfter = DatastoreEncoding.ToUnixMs(authority.NotAfter);
        var createdAt = authority.CreatedAt == default ? NowMs() : DatastoreEncoding.ToUnixMs(authority.CreatedAt);
        var replica = authority.Replica;
        ArgumentException.ThrowIfNullOrEmpty(replica, nameof(authority));
        return WriteAsync(
            "upsert authority",
            async (db, ct) =>
            {
                // The creation time is the journal's order, so a replacement keeps the first one.
                await db.Database.ExecuteSqlAsync(
                    $"""
                    INSERT INTO ca_authorities (id, kind, slot, status, key_id, public_data, upstream_chain, not_before, not_after, created_at, replica)
                    VALUES ({id}, {kind}, {slot}, {status}, {keyId}, {publicData}, {upstreamChain}, {notBefore}, {notAfter}, {createdAt}, {replica})
                    ON CONFLICT (id) DO UPDATE SET
                        kind = excluded.kind,
                        slot = excluded.slot,
                        status = excluded.status,
                        key_id = excluded.key_id,
                        public_data = excluded.public_data,
                        upstream_chain = excluded.upstream_chain,
                        not_before = excluded.not_before,
                        not_after = excluded.not_after,
                        replica = excluded.replica
                    """,
                    ct);
                var row = await db.Authorities.AsNoTracking().SingleAsync(a => a.Id == id, ct);
                return ToRecord(row);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<CaAuthority>> ListAuthoritiesAsync(AuthorityKind kind, CancellationToken cancellationToken)
    {
        var kindValue = (int)kind;
        return ReadAsync<IReadOnlyList<CaAuthority>>(
            "list authorities",
            async (db, ct) =>
            {
                var rows = await db.Authorities.AsNoTracking()
                    .Where(a => a.Kind == kindValue)
                    .OrderBy(a => a.CreatedAt)
                    .ThenBy(a => a.Id)
                    .ToListAsync(ct);
                return [.. rows.Select(ToRecord)];
            },
            cancellationToken);
    }

    public Task<bool> SetAuthorityStatusAsync(string id, AuthorityStatus expected, AuthorityStatus status, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (status == AuthorityStatus.Unspecified || !Enum.IsDefined(status))
        {
            throw new ArgumentException($"authority status {status} is not valid", nameof(status));
        }

        var expectedValue = (int)expected;
        var statusValue = (int)status;
        return WriteAsync(
            "set authority status",
            async (db, ct) => await db.Authorities
                .Where(a => a.Id == id && a.Status == expectedValue)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, statusValue), ct) == 1,
            cancellationToken);
    }

    public Task<bool> DeleteAuthorityAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return WriteAsync(
            "delete authority",
            async (db, ct) =>
            {
                await db.Crls.Where(c => c.AuthorityId == id).ExecuteDeleteAsync(ct);
                return await db.Authorities.Where(a => a.Id == id).ExecuteDeleteAsync(ct) == 1;
            },
            cancellationToken);
    }

    private static CaAuthority ToRecord(CaAuthorityEntity row) => new()
    {
        Id = row.Id,
        Kind = (AuthorityKind)row.Kind,
        Slot = row.Slot,
        Status = (AuthorityStatus)row.Status,
        KeyId = row.KeyId,
        PublicData = row.PublicData,
        UpstreamChain = row.UpstreamChain,
        NotBefore = DatastoreEncoding.FromUnixMs(row.NotBefore),
        NotAfter = DatastoreEncoding.FromUnixMs(row.NotAfter),
        CreatedAt = DatastoreEncoding.FromUnixMs(row.CreatedAt),
        Replica = row.Replica,
    };
}
