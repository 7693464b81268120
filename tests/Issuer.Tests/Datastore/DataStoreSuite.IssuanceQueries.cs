using System.Data.Common;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Datastore;

/// <summary>The queries behind <c>svid list</c> and <c>svid show</c>: every filter, every order's paging, and their plans.</summary>
public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task AddIssuanceRecords_KeepsWhyItWasSigned_AndReadsNotReportedApartFromNone()
    {
        await Store.AddIssuanceRecordsAsync(
        [
            NewRecord("c1", SvidKind.X509, "web", "entry", "agent", 0) with
            {
                EntryRevision = 7,
                NodeAttestor = "join_token",
                NodeSelectors = ["join_token:abc"],
                WorkloadSelectors = ["unix:gid:10", "unix:uid:1000"],
            },
            NewRecord("c2", SvidKind.X509, "web", "entry", "agent", 1) with { NodeAttestor = "x509pop", NodeSelectors = [], WorkloadSelectors = [] },
            NewRecord("c3", SvidKind.Jwt, "web", null, "admin:uid:0", 2),
        ], Ct);

        var rows = (await Store.ListIssuanceRecordsAsync(new IssuanceFilter { SpiffeId = Id("web") }, Ct)).Items.ToDictionary(r => r.Serial[_ns.Length..]);

        Assert.Equal(7, rows["c1"].EntryRevision);
        Assert.Equal("join_token", rows["c1"].NodeAttestor);
        Assert.Equal(["join_token:abc"], rows["c1"].NodeSelectors);
        Assert.Equal(["unix:gid:10", "unix:uid:1000"], rows["c1"].WorkloadSelectors);
        Assert.NotNull(rows["c2"].WorkloadSelectors);
        Assert.Empty(rows["c2"].WorkloadSelectors!);
        Assert.Null(rows["c3"].WorkloadSelectors);
        Assert.Null(rows["c3"].NodeSelectors);
        Assert.Null(rows["c3"].EntryRevision);
        Assert.All(rows.Values, r => Assert.Null(r.RevokedAt));
    }

    [Fact]
    public async Task ListIssuanceRecords_FiltersByAuthorityExpiryAndRevocation()
    {
        var store = await OpenFreshStoreAsync();
        await store.AddIssuanceRecordsAsync(
        [
            NewRecord("01", SvidKind.X509, "web", "entry", "agent", 0) with { SigningAuthority = "ca-1", NotAfter = Start.AddMinutes(10) },
            NewRecord("02", SvidKind.X509, "web", "entry", "agent", 1) with { SigningAuthority = "ca-1", NotAfter = Start.AddMinutes(50) },
            NewRecord("03", SvidKind.X509, "db", "entry", "agent", 2) with { SigningAuthority = "ca-2", NotAfter = Start.AddMinutes(30) },
            NewRecord("04", SvidKind.Jwt, "db", "entry", "agent", 3) with { SigningAuthority = "kid-1", NotAfter = Start.AddMinutes(5) },
            NewRecord("05", SvidKind.X509, "db", "entry", "agent", 4) with { SigningAuthority = "ca-2", NotAfter = Start.AddMinutes(-5) },
        ], Ct);
        await store.RevokeSvidsAsync([Revoked("ca-1", _ns + "02"), Revoked("ca-2", _ns + "05")], Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.RevokeSvidsAsync([Revoked("ca-2", _ns + "03")], Ct);

        async Task<List<string>> Find(IssuanceFilter filter) =>
            [.. (await store.ListIssuanceRecordsAsync(filter, Ct)).Items.Select(r => r.Serial[_ns.Length..])];

        Assert.Equal(["02", "01"], await Find(new IssuanceFilter { SigningAuthority = "ca-1" }));
        Assert.Equal(["04"], await Find(new IssuanceFilter { SigningAuthority = "kid-1" }));

        // Expiring within 40 minutes from Start: soonest first, the expired one left out.
        Assert.Equal(["04", "01", "03"], await Find(new IssuanceFilter { ExpiresAtOrAfter = Start, ExpiresBefore = Start.AddMinutes(40) }));
        Assert.Equal(["03"], await Find(new IssuanceFilter { SpiffeId = Id("db"), ExpiresAtOrAfter = Start, ExpiresBefore = Start.AddMinutes(40), Revoked = true }));

        // Revoked: latest revocation first; a JWT-SVID is never revoked.
        Assert.Equal(["03", "05", "02"], await Find(new IssuanceFilter { Revoked = true }));
        Assert.Equal(["05", "03"], await Find(new IssuanceFilter { SpiffeId = Id("db"), Revoked = true }));

        var revoked = (await store.ListIssuanceRecordsAsync(new IssuanceFilter { Serial = _ns + "03" }, Ct)).Items.Single();
        Assert.Equal(Start.AddSeconds(1), revoked.RevokedAt);
        Assert.Equal(Start.AddSeconds(1), (await store.GetRevokedSvidAsync("ca-2", _ns + "03", Ct))!.RevokedAt);
        Assert.Null(await store.GetRevokedSvidAsync("ca-1", _ns + "03", Ct));
    }

    [Theory]
    [InlineData("newest")]
    [InlineData("spiffe-id")]
    [InlineData("expiring")]
    [InlineData("revoked")]
    public async Task ListIssuanceRecords_PagesEveryOrder_WithoutLosingOrRepeatingARecord(string shape)
    {
        var store = await OpenFreshStoreAsync();

        // Ties on every key but the last: same created-at and not-after, serials shared by both kinds.
        var records = Enumerable.Range(0, 9)
            .SelectMany(i => new[]
            {
                NewRecord($"{i % 4:x2}{i}", SvidKind.X509, "web", "entry", "agent", i % 2) with { NotAfter = Start.AddMinutes(10 + (i % 3)), SigningAuthority = "ca-1" },
                NewRecord($"{i % 4:x2}{i}", SvidKind.Jwt, "web", "entry", "agent", i % 2) with { NotAfter = Start.AddMinutes(10 + (i % 3)), SigningAuthority = "kid-1" },
            })
            .ToList();
        await store.AddIssuanceRecordsAsync(records, Ct);
        await store.RevokeSvidsAsync([.. records.Where(r => r.Kind == SvidKind.X509).Take(5).Select(r => Revoked("ca-1", r.Serial))], Ct);
        await store.RevokeSvidsAsync([.. records.Where(r => r.Kind == SvidKind.X509).Skip(5).Select(r => Revoked("ca-1", r.Serial))], Ct);

        var filter = shape switch
        {
            "spiffe-id" => new IssuanceFilter { SpiffeId = Id("web") },
            "expiring" => new IssuanceFilter { ExpiresAtOrAfter = Start, ExpiresBefore = Start.AddHours(1) },
            "revoked" => new IssuanceFilter { Revoked = true },
            _ => new IssuanceFilter(),
        };
        var all = (await store.ListIssuanceRecordsAsync(filter with { PageSize = 1000 }, Ct)).Items.Select(r => $"{r.Serial}/{r.Kind}").ToList();

        var paged = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await store.ListIssuanceRecordsAsync(filter with { PageSize = 4, PageToken = token }, Ct);
            paged.AddRange(page.Items.Select(r => $"{r.Serial}/{r.Kind}"));
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(shape == "revoked" ? 9 : 18, all.Count);
        Assert.Equal(all, paged);
        Assert.Equal((all.Count + 3) / 4, pages);
    }

    [Fact]
    public async Task ListIssuanceRecords_WithATokenOfAnotherFilter_IsRefused()
    {
        await Store.AddIssuanceRecordsAsync([.. Enumerable.Range(0, 3).Select(i => NewRecord($"t{i}", SvidKind.X509, "web", "entry", "agent", i))], Ct);
        var first = await Store.ListIssuanceRecordsAsync(new IssuanceFilter { SpiffeId = Id("web"), PageSize = 1 }, Ct);
        Assert.NotNull(first.NextPageToken);

        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListIssuanceRecordsAsync(new IssuanceFilter { ExpiresBefore = Start.AddDays(1), PageToken = first.NextPageToken }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListIssuanceRecordsAsync(new IssuanceFilter { PageToken = "bm90IGEgdG9rZW4=" }, Ct));
    }

    [Fact]
    public async Task Migrate_FromTheSchemaBeforeIssuanceQueries_KeepsOldRecordsReadable_AsNotRecorded()
    {
        var connectionString = await CreateEmptyDatabaseAsync();
        await using (var services = BuildServices(connectionString))
        {
            var factory = services.GetRequiredService<IDbContextFactory<IssuerDbContext>>();
            await using var db = await factory.CreateDbContextAsync(Ct);
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync("20261203000001_PendingAgentSvid", Ct);
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO issuance_records (serial, kind, spiffe_id, entry_id, caller, not_before, not_after, key_type, signing_authority, created_at) "
                + "VALUES ('0a', 1, 'spiffe://example.org/old', 'entry-old', 'spiffe://example.org/agent', 0, 1, 'ec-p256', 'ca-1', 0)",
                Ct);
        }

        var store = OpenStore(connectionString);
        await store.MigrateAsync(Ct);

        var old = Assert.Single((await store.ListIssuanceRecordsAsync(new IssuanceFilter { EntryId = "entry-old" }, Ct)).Items);
        Assert.Equal(("0a", "ca-1"), (old.Serial, old.SigningAuthority));
        Assert.Null(old.WorkloadSelectors);
        Assert.Null(old.NodeAttestor);
        Assert.Null(old.EntryRevision);
    }

    /// <summary>
    /// Every filter's page is one index range with no sort, so a page costs the same at ten million
    /// records as at ten. Asked of each provider's planner: SQLite's EXPLAIN QUERY PLAN, and PostgreSQL's
    /// EXPLAIN with sequential scans and sorts priced out (on a near-empty table it would otherwise
    /// rightly prefer them), so a plan that still holds one has no index to use instead.
    /// </summary>
    [Fact]
    public async Task ListIssuanceRecords_EveryFilter_IsReadThroughAnIndex_WithoutASort()
    {
        await using var services = BuildServices(ConnectionString);
        var factory = services.GetRequiredService<IDbContextFactory<IssuerDbContext>>();
        await using var db = await factory.CreateDbContextAsync(Ct);
        await db.Database.OpenConnectionAsync(Ct);
        var postgres = Provider == "postgres";
        if (postgres)
        {
            await db.Database.ExecuteSqlRawAsync("SET enable_seqscan = off; SET enable_sort = off", Ct);
        }

        var newest = new EfDataStore.IssuanceKey(1, "ab", string.Empty, 1);
        var revoked = new EfDataStore.IssuanceKey(1, "ca-1", "ab", 0);
        var soon = new IssuanceFilter { ExpiresAtOrAfter = Start, ExpiresBefore = Start.AddHours(1) };
        var cases = new (string Name, IssuanceFilter Filter, EfDataStore.IssuanceKey? After)[]
        {
            ("no filter", new IssuanceFilter(), null),
            ("no filter, second page", new IssuanceFilter(), newest),
            ("spiffe id", new IssuanceFilter { SpiffeId = Id("web") }, null),
            ("spiffe id, second page", new IssuanceFilter { SpiffeId = Id("web") }, newest),
            ("entry", new IssuanceFilter { EntryId = "entry" }, newest),
            ("agent", new IssuanceFilter { Caller = Id("agent") }, newest),
            ("authority", new IssuanceFilter { SigningAuthority = "ca-1" }, newest),
            ("spiffe id and expiring and revoked", new IssuanceFilter { SpiffeId = Id("web"), ExpiresAtOrAfter = Start, ExpiresBefore = Start.AddHours(1), Revoked = true }, newest),
            ("expiring", soon, null),
            ("expiring, second page", soon, newest),
            ("expiring and revoked", soon with { Revoked = true }, newest),
            ("revoked", new IssuanceFilter { Revoked = true }, null),
            ("revoked, second page", new IssuanceFilter { Revoked = true }, revoked),
        };

        var problems = new List<string>();
        foreach (var (name, filter, after) in cases)
        {
            await using var command = EfDataStore.IssuanceQuery(db, filter, after, 101).CreateDbCommand();
            command.CommandText = (postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + command.CommandText;
            var plan = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(Ct))
            {
                while (await reader.ReadAsync(Ct))
                {
                    plan.Add(reader.GetString(postgres ? 0 : 3));
                }
            }

            var bad = postgres
                ? plan.Where(line => line.Contains("Seq Scan", StringComparison.Ordinal) || line.TrimStart(' ', '-', '>').StartsWith("Sort", StringComparison.Ordinal))
                : plan.Where(line => line.Contains("TEMP B-TREE", StringComparison.Ordinal)
                    || (line.StartsWith("SCAN ", StringComparison.Ordinal) && !line.Contains("USING", StringComparison.Ordinal)));
            if (bad.Any() || !plan.Any(line => line.Contains("ix_issuance_records", StringComparison.Ordinal) || line.Contains("ix_revoked_svids", StringComparison.Ordinal)))
            {
                problems.Add($"{name}:\n  {string.Join("\n  ", plan)}");
            }
        }

        Assert.True(problems.Count == 0, "plans without an index range, or with a sort:\n" + string.Join("\n", problems));
    }
}
