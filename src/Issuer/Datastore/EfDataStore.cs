using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using IdentityIssuer.Issuer.Ops.Metrics;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// <see cref="IDataStore"/> over EF Core for SQLite and PostgreSQL. Each call takes a pooled context,
/// does its work in one transaction where it writes, and turns database faults into
/// <see cref="DatastoreException"/>s that say whether they are transient.
/// </summary>
internal sealed partial class EfDataStore : IDataStore
{
    /// <summary>Session-level advisory lock key ("IdIssuer" in ASCII) held around migrations on PostgreSQL.</summary>
    private const long MigrationLockKey = 0x4964497373756572;

    private readonly IDbContextFactory<IssuerDbContext> _contextFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<EfDataStore> _logger;
    private readonly IssuerMetrics? _metrics;

    /// <param name="metrics">Counts database faults; null where no metrics are registered (the migrate command).</param>
    public EfDataStore(IDbContextFactory<IssuerDbContext> contextFactory, TimeProvider timeProvider, ILogger<EfDataStore> logger, IssuerMetrics? metrics = null)
    {
        _metrics = metrics;
        _contextFactory = contextFactory;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await _contextFactory.CreateDbContextAsync(cancellationToken);
            var provider = db.Database.ProviderName ?? "unknown";
            Log.Migrating(_logger, provider);
            if (db.Database.IsNpgsql())
            {
                // Two replicas starting together would otherwise both try to create the schema.
                await db.Database.OpenConnectionAsync(cancellationToken);
                try
                {
                    await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
                    await db.Database.MigrateAsync(cancellationToken);
                }
                finally
                {
                    await ReleaseMigrationLockAsync(db);
                }
            }
            else
            {
                // WAL lets readers run beside the writer; the mode is stored in the database file.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL", cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
            }

            Log.Migrated(_logger, provider);
        }
        catch (Exception ex) when (DatastoreErrors.Translate(ex, "migration") is { } translated)
        {
            _metrics?.DatastoreError(translated.IsTransient);
            throw translated;
        }
    }

    private static async Task ReleaseMigrationLockAsync(IssuerDbContext db)
    {
        try
        {
            // Unlock explicitly so a pooled physical connection never keeps the lock.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
        catch (System.Data.Common.DbException)
        {
            // The session is broken, and a closed session holds no advisory locks; keep the first error.
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Database.CanConnectAsync(cancellationToken);
    }

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken) =>
        ReadAsync(
            "read revision",
            (db, ct) => db.RevisionCounter
                .Where(c => c.Id == Entities.RevisionCounterEntity.SingletonId)
                .Select(c => c.Value)
                .SingleAsync(ct),
            cancellationToken);

    private long NowMs() => DatastoreEncoding.ToUnixMs(_timeProvider.GetUtcNow());

    /// <summary>Runs a read on a fresh pooled context, translating database faults.</summary>
    private async Task<T> ReadAsync<T>(string operation, Func<IssuerDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await _contextFactory.CreateDbContextAsync(cancellationToken);
            return await work(db, cancellationToken);
        }
        catch (Exception ex) when (DatastoreErrors.Translate(ex, operation) is { } translated)
        {
            _metrics?.DatastoreError(translated.IsTransient);
            throw translated;
        }
    }

    /// <summary>
    /// Runs a write in one transaction and commits it, unless the work rolled it back itself
    /// (<c>db.Database.RollbackTransactionAsync</c>) to leave no trace. An exception rolls back.
    /// </summary>
    private async Task<T> WriteAsync<T>(string operation, Func<IssuerDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await _contextFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var result = await work(db, cancellationToken);
            if (db.Database.CurrentTransaction is not null)
            {
                await transaction.CommitAsync(cancellationToken);
            }

            return result;
        }
        catch (Exception ex) when (DatastoreErrors.Translate(ex, operation) is { } translated)
        {
            _metrics?.DatastoreError(translated.IsTransient);
            throw translated;
        }
    }

    /// <summary>
    /// Takes the next store-wide revision inside the current transaction. The counter row stays locked
    /// until commit, so entry changes commit in revision order and a sync reader never misses one.
    /// </summary>
    private static Task<long> NextRevisionAsync(IssuerDbContext db, CancellationToken cancellationToken) =>
        NextCounterAsync(db, Entities.RevisionCounterEntity.SingletonId, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Applying datastore migrations ({Provider})")]
        public static partial void Migrating(ILogger logger, string provider);

        [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Datastore schema is up to date ({Provider})")]
        public static partial void Migrated(ILogger logger, string provider);
    }
}
