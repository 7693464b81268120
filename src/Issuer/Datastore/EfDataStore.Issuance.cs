using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Issuance records: batch insert, filtered newest-first keyset paging.</summary>
internal sealed partial class EfDataStore
{
    private const int InsertChunkRows = 200;

    public Task AddIssuanceRecordsAsync(IReadOnlyList<IssuanceRecord> records, CancellationToken cancellationToken)
    {
        var rows = ToEntities(records);
        if (rows.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync(
            "add issuance records",
            async (db, ct) =>
            {
                await InsertIssuanceRowsAsync(db, rows, ct);
                return rows.Count;
            },
            cancellationToken);
    }

    public Task<bool> AddIssuanceRecordsAsync(IReadOnlyList<IssuanceRecord> records, string agentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        var rows = ToEntities(records);
        return WriteAsync(
            "add agent issuance records",
            async (db, ct) =>
            {
                // The node row is written first, and only while not banned: on PostgreSQL that row lock
                // makes a ban (one UPDATE of the same row) either commit before this, so nothing is
                // stored, or wait for this commit, so the ban's revocation finds these records. SQLite
                // runs one writer at a time, which gives the same two orders.
                var admitted = await db.AttestedNodes
                    .Where(n => n.SpiffeId == agentId && !n.Banned)
                    .ExecuteUpdateAsync(set => set.SetProperty(n => n.LastSeenAt, n => n.LastSeenAt), ct) == 1;
                if (!admitted)
                {
                    await db.Database.RollbackTransactionAsync(ct);
                    return false;
                }

                await InsertIssuanceRowsAsync(db, rows, ct);
                return true;
            },
            cancellationToken);
    }

    private List<IssuanceRecordEntity> ToEntities(IReadOnlyList<IssuanceRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var now = NowMs();
        var rows = records.Select(r => ToEntity(r, now)).ToList();
        var duplicate = rows.GroupBy(r => (r.Serial, r.Kind)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"the batch holds {(SvidKind)duplicate.Key.Kind} serial {duplicate.Key.Serial} more than once", nameof(records));
        }

        return rows;
    }

    private static async Task InsertIssuanceRowsAsync(IssuerDbContext db, List<IssuanceRecordEntity> rows, CancellationToken cancellationToken)
    {
        foreach (var chunk in rows.Chunk(InsertChunkRows))
        {
            await InsertIssuanceChunkAsync(db, chunk, cancellationToken);
        }
    }

    /// <summary>
    /// One multi-row INSERT per chunk (valid on SQLite and PostgreSQL alike). EF would send one
    /// INSERT statement per row, which on SQLite costs more than signing the certificates.
    /// </summary>
    private static async Task InsertIssuanceChunkAsync(IssuerDbContext db, IssuanceRecordEntity[] chunk, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var sql = new System.Text.StringBuilder(
            "INSERT INTO issuance_records (serial, kind, spiffe_id, entry_id, caller, not_before, not_after, key_type, signing_authority, created_at, "
            + "entry_revision, node_attestor, node_selectors, workload_selectors) VALUES ");
        for (var i = 0; i < chunk.Length; i++)
        {
            var r = chunk[i];
            sql.Append(i == 0 ? "(" : ", (");
            object?[] values =
            [
                r.Serial, r.Kind, r.SpiffeId, r.EntryId, r.Caller, r.NotBefore, r.NotAfter, r.KeyType, r.SigningAuthority, r.CreatedAt,
                r.EntryRevision, r.NodeAttestor, r.NodeSelectors, r.WorkloadSelectors,
            ];
            for (var j = 0; j < values.Length; j++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@p{(i * values.Length) + j}";
                parameter.Value = values[j] ?? DBNull.Value;
                command.Parameters.Add(parameter);
                sql.Append(j == 0 ? string.Empty : ", ").Append(parameter.ParameterName);
            }

            sql.Append(')');
        }

        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<int> PruneIssuanceRecordsAsync(DateTimeOffset notAfterBefore, CancellationToken cancellationToken)
    {
        var beforeMs = DatastoreEncoding.ToUnixMs(notAfterBefore);
        return WriteAsync(
            "prune issuance records",
            (db, ct) => db.IssuanceRecords.Where(r => r.NotAfter < beforeMs).ExecuteDeleteAsync(ct),
            cancellationToken);
    }

    private static IssuanceRecordEntity ToEntity(IssuanceRecord record, long now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrEmpty(record.Serial, nameof(record));
        if (record.Kind == SvidKind.Unspecified || !Enum.IsDefined(record.Kind))
        {
            throw new ArgumentException($"issuance record {record.Serial} has no valid kind", nameof(record));
        }

        return new IssuanceRecordEntity
        {
            Serial = record.Serial,
            Kind = (int)record.Kind,
            SpiffeId = record.SpiffeId,
            EntryId = record.EntryId,
            Caller = record.Caller,
            NotBefore = DatastoreEncoding.ToUnixMs(record.NotBefore),
            NotAfter = DatastoreEncoding.ToUnixMs(record.NotAfter),
            KeyType = record.KeyType,
            SigningAuthority = record.SigningAuthority,
            CreatedAt = record.CreatedAt == default ? now : DatastoreEncoding.ToUnixMs(record.CreatedAt),
            EntryRevision = record.EntryRevision,
            NodeAttestor = record.NodeAttestor,
            NodeSelectors = record.NodeSelectors is null ? null : DatastoreEncoding.ToJson(record.NodeSelectors),
            WorkloadSelectors = record.WorkloadSelectors is null ? null : DatastoreEncoding.ToJson(record.WorkloadSelectors),
        };
    }

    private static IssuanceRecord ToRecord(IssuanceRecordEntity row, long? revokedAt) => new()
    {
        Serial = row.Serial,
        Kind = (SvidKind)row.Kind,
        SpiffeId = row.SpiffeId,
        EntryId = row.EntryId,
        Caller = row.Caller,
        NotBefore = DatastoreEncoding.FromUnixMs(row.NotBefore),
        NotAfter = DatastoreEncoding.FromUnixMs(row.NotAfter),
        KeyType = row.KeyType,
        SigningAuthority = row.SigningAuthority,
        CreatedAt = DatastoreEncoding.FromUnixMs(row.CreatedAt),
        EntryRevision = row.EntryRevision,
        NodeAttestor = row.NodeAttestor,
        NodeSelectors = row.NodeSelectors is null ? null : DatastoreEncoding.FromJson(row.NodeSelectors),
        WorkloadSelectors = row.WorkloadSelectors is null ? null : DatastoreEncoding.FromJson(row.WorkloadSelectors),
        RevokedAt = revokedAt is { } at ? DatastoreEncoding.FromUnixMs(at) : null,
    };
}
