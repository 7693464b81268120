using System.Data.Common;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task Migrate_RunAgain_IsANoOp()
    {
        await Store.MigrateAsync(Ct);
        await Store.MigrateAsync(Ct);

        Assert.True(await Store.PingAsync(Ct));
    }

    [Fact]
    public async Task Migrate_WhenReplicasStartTogether_AllSucceed()
    {
        var connectionString = await CreateEmptyDatabaseAsync();
        var replicas = Enumerable.Range(0, 3).Select(_ => OpenStore(connectionString)).ToList();

        await Task.WhenAll(replicas.Select(r => Task.Run(() => r.MigrateAsync(Ct))));

        var entry = await replicas[0].CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1"), Ct);
        Assert.Equal(1, entry.RevisionNumber);
        Assert.NotNull(await replicas[2].GetEntryAsync(entry.Id, Ct));
    }

    [Fact]
    public async Task Migrate_FromTheFirstSchema_KeepsTheJournalUnderThePrimaryReplica_AndStartsRevocationAtZero()
    {
        var connectionString = await CreateEmptyDatabaseAsync();
        await using (var services = BuildServices(connectionString))
        {
            var factory = services.GetRequiredService<IDbContextFactory<IssuerDbContext>>();
            await using var db = await factory.CreateDbContextAsync(Ct);
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync("20261122000001_Initial", Ct);
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO ca_authorities (id, kind, slot, status, key_id, public_data, upstream_chain, not_before, not_after, created_at) "
                + "VALUES ('ski-old', 1, 'A', 2, 'key-old', @p0, @p1, 0, 1, 0)",
                [new byte[] { 1 }, Array.Empty<byte>()],
                Ct);
        }

        var store = OpenStore(connectionString);
        await store.MigrateAsync(Ct);

        var row = Assert.Single(await store.ListAuthoritiesAsync(AuthorityKind.X509, Ct));
        Assert.Equal(("ski-old", "primary", AuthorityStatus.Active), (row.Id, row.Replica, row.Status));
        Assert.Equal(0, await store.GetRevocationRevisionAsync(Ct));
        Assert.Empty(await store.ListCrlsAsync(Ct));
    }

    /// <summary>
    /// The migrations are hand-written and carry no model snapshot, so nothing else checks them
    /// against the model: build one database from the migrations and one straight from the model,
    /// and compare tables, columns, store types, nullability, keys, indexes and foreign keys.
    /// Quartz's job-store tables (<c>qrtz_</c>, PostgreSQL only) are not in the model and are left out.
    /// </summary>
    [Fact]
    public async Task MigratedSchema_EqualsTheSchemaOfTheModel()
    {
        var fromModel = await CreateEmptyDatabaseAsync();
        await using (var services = BuildServices(fromModel))
        {
            var factory = services.GetRequiredService<IDbContextFactory<IssuerDbContext>>();
            await using var db = await factory.CreateDbContextAsync(Ct);
            Assert.True(await db.Database.EnsureCreatedAsync(Ct));
        }

        var migrated = await DescribeSchemaAsync(ConnectionString);
        var expected = await DescribeSchemaAsync(fromModel);

        Assert.NotEmpty(expected);
        var missing = expected.Except(migrated, StringComparer.Ordinal).ToList();
        var extra = migrated.Except(expected, StringComparer.Ordinal).ToList();
        Assert.True(
            missing.Count == 0 && extra.Count == 0,
            $"model schema not built by the migrations:\n  {string.Join("\n  ", missing)}\nonly in the migrations:\n  {string.Join("\n  ", extra)}");
    }

    [Fact]
    public async Task Ping_WhenTheDatabaseAnswers_ReturnsTrue()
    {
        Assert.True(await Store.PingAsync(Ct));
    }

    private async Task<List<string>> DescribeSchemaAsync(string connectionString)
    {
        await using var services = BuildServices(connectionString);
        var factory = services.GetRequiredService<IDbContextFactory<IssuerDbContext>>();
        await using var db = await factory.CreateDbContextAsync(Ct);
        var sql = db.Database.IsNpgsql() ? PostgresSchemaQuery : SqliteSchemaQuery;
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(Ct);
        await using DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            // SQLite keeps each table's CREATE text as written; a column added later by ALTER TABLE is
            // spliced in with other spacing, so compare the text with whitespace normalized.
            var line = System.Text.RegularExpressions.Regex.Replace(reader.GetString(0), @"\s+", " ");
            lines.Add(System.Text.RegularExpressions.Regex.Replace(line, @"\s*([(),])\s*", "$1"));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private const string SqliteSchemaQuery = """
        SELECT 'column ' || m.name || '.' || c.name || ' ' || c.type || ' notnull=' || c."notnull" || ' pk=' || c.pk
        FROM sqlite_master m, pragma_table_info(m.name) c
        WHERE m.type = 'table' AND substr(m.name, 1, 4) <> '__EF' AND substr(m.name, 1, 7) <> 'sqlite_'
        UNION ALL
        SELECT 'index ' || m.name || ' ' || i.name || ' unique=' || i."unique" || ' origin=' || i.origin || ' ('
            || (SELECT group_concat(name, ',') FROM (SELECT ii.name FROM pragma_index_info(i.name) ii ORDER BY ii.seqno)) || ')'
        FROM sqlite_master m, pragma_index_list(m.name) i
        WHERE m.type = 'table' AND substr(m.name, 1, 4) <> '__EF' AND substr(m.name, 1, 7) <> 'sqlite_'
        UNION ALL
        SELECT 'fk ' || m.name || '.' || f."from" || ' -> ' || f."table" || '.' || f."to" || ' on delete ' || f.on_delete
        FROM sqlite_master m, pragma_foreign_key_list(m.name) f
        WHERE m.type = 'table' AND substr(m.name, 1, 4) <> '__EF' AND substr(m.name, 1, 7) <> 'sqlite_'
        UNION ALL
        SELECT 'sql ' || name || ': ' || sql FROM sqlite_master
        WHERE type IN ('table', 'index') AND sql IS NOT NULL AND substr(name, 1, 4) <> '__EF' AND substr(tbl_name, 1, 4) <> '__EF'
        """;

    private const string PostgresSchemaQuery = """
        SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' nullable=' || is_nullable
            || ' default=' || coalesce(column_default, '') || ' identity=' || is_identity
        FROM information_schema.columns
        WHERE table_schema = 'public' AND left(table_name, 4) <> '__EF' AND left(table_name, 5) <> 'qrtz_'
        UNION ALL
        SELECT 'index ' || indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND left(tablename, 4) <> '__EF' AND left(tablename, 5) <> 'qrtz_'
        UNION ALL
        SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND left(conrelid::regclass::text, 5) <> '"__EF'
            AND left(conrelid::regclass::text, 5) <> 'qrtz_'
        """;
}
