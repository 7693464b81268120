using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task AddIssuanceRecords_StoresTheBatch_AndFiltersBySerialIdEntryAndCaller()
    {
        var records = new[]
        {
            NewRecord("01", SvidKind.X509, "web", "entry-a", "agent-1", 0),
            NewRecord("01", SvidKind.Jwt, "web", "entry-a", "agent-1", 1),
            NewRecord("02", SvidKind.X509, "db", "entry-b", "agent-1", 2),
            NewRecord("03", SvidKind.X509, "db", null, "admin:uid:0", 3),
        };

        await Store.AddIssuanceRecordsAsync(records, Ct);

        async Task<List<string>> Find(IssuanceFilter filter) =>
            [.. (await Store.ListIssuanceRecordsAsync(filter, Ct)).Items.Select(r => $"{r.Serial}/{r.Kind}")];

        var serial01 = $"{_ns}01";
        Assert.Equal([$"{serial01}/Jwt", $"{serial01}/X509"], await Find(new IssuanceFilter { Serial = serial01 }));
        Assert.Equal([$"{_ns}03/X509", $"{_ns}02/X509"], await Find(new IssuanceFilter { SpiffeId = Id("db") }));
        Assert.Equal([$"{_ns}02/X509"], await Find(new IssuanceFilter { EntryId = $"{_ns}entry-b" }));
        Assert.Equal([$"{_ns}02/X509", $"{serial01}/Jwt", $"{serial01}/X509"], await Find(new IssuanceFilter { Caller = $"{_ns}agent-1" }));
        Assert.Equal([$"{_ns}02/X509"], await Find(new IssuanceFilter { SpiffeId = Id("db"), Caller = $"{_ns}agent-1" }));

        var read = Assert.Single((await Store.ListIssuanceRecordsAsync(new IssuanceFilter { Serial = $"{_ns}03" }, Ct)).Items);
        Assert.Null(read.EntryId);
        Assert.Equal(Id("db"), read.SpiffeId);
        Assert.Equal("ec-p256", read.KeyType);
        Assert.Equal("ski-1", read.SigningAuthority);
        Assert.Equal(Start.AddSeconds(3), read.CreatedAt);
        Assert.Equal(Start.AddSeconds(3), read.NotBefore);
        Assert.Equal(Start.AddHours(1), read.NotAfter);
    }

    [Fact]
    public async Task ListIssuanceRecords_PagesNewestFirst()
    {
        var records = Enumerable.Range(0, 7)
            .Select(i => NewRecord($"{i:x2}", SvidKind.X509, "web", "entry", "agent", i % 3))
            .ToList();
        await Store.AddIssuanceRecordsAsync(records, Ct);

        var seen = new List<string>();
        var sizes = new List<int>();
        string? token = null;
        do
        {
            var page = await Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = $"{_ns}agent", PageSize = 3, PageToken = token }, Ct);
            sizes.Add(page.Items.Count);
            seen.AddRange(page.Items.Select(r => r.Serial));
            token = page.NextPageToken;
        }
        while (token is not null);

        var expected = records
            .OrderByDescending(r => r.CreatedAt)
            .ThenByDescending(r => r.Serial, StringComparer.Ordinal)
            .Select(r => r.Serial);
        Assert.Equal([3, 3, 1], sizes);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task AddIssuanceRecords_WithADuplicateInTheBatch_StoresNoneOfIt()
    {
        var records = new[]
        {
            NewRecord("aa", SvidKind.X509, "web", null, "agent", 0),
            NewRecord("bb", SvidKind.X509, "web", null, "agent", 0),
            NewRecord("aa", SvidKind.X509, "web", null, "agent", 1),
        };

        await Assert.ThrowsAsync<ArgumentException>(() => Store.AddIssuanceRecordsAsync(records, Ct));

        var stored = await Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = $"{_ns}agent" }, Ct);
        Assert.Empty(stored.Items);
    }

    [Fact]
    public async Task AddIssuanceRecords_AlreadyStoredSerial_IsRefusedAsPermanent_AndStoresNoneOfTheBatch()
    {
        await Store.AddIssuanceRecordsAsync([NewRecord("aa", SvidKind.X509, "web", null, "agent", 0)], Ct);

        var ex = await Assert.ThrowsAsync<DatastoreException>(() => Store.AddIssuanceRecordsAsync(
            [NewRecord("bb", SvidKind.X509, "web", null, "agent", 1), NewRecord("aa", SvidKind.X509, "web", null, "agent", 2)], Ct));

        Assert.False(ex.IsTransient);
        var stored = await Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = $"{_ns}agent" }, Ct);
        Assert.Equal([$"{_ns}aa"], stored.Items.Select(r => r.Serial));
    }

    [Fact]
    public async Task AddIssuanceRecordsForAgent_StoresThemOnlyWhileTheAgentIsAttestedAndNotBanned()
    {
        var agent = await Store.UpsertAttestedNodeAsync(NewNode("recording-agent"), Ct);
        var banned = await Store.UpsertAttestedNodeAsync(NewNode("banned-agent") with { Banned = true }, Ct);

        var admitted = await Store.AddIssuanceRecordsAsync([NewRecord("a1", SvidKind.X509, "web", "entry-a", agent.SpiffeId, 0)], agent.SpiffeId, Ct);
        var ofBanned = await Store.AddIssuanceRecordsAsync([NewRecord("b1", SvidKind.X509, "web", "entry-a", banned.SpiffeId, 0)], banned.SpiffeId, Ct);
        var ofMissing = await Store.AddIssuanceRecordsAsync([NewRecord("c1", SvidKind.X509, "web", "entry-a", Id("nobody"), 0)], Id("nobody"), Ct);

        Assert.True(admitted);
        Assert.False(ofBanned);
        Assert.False(ofMissing);
        Assert.Single((await Store.ListIssuanceRecordsAsync(new IssuanceFilter { Serial = $"{_ns}a1" }, Ct)).Items);
        Assert.Empty((await Store.ListIssuanceRecordsAsync(new IssuanceFilter { Serial = $"{_ns}b1" }, Ct)).Items);
        Assert.Empty((await Store.ListIssuanceRecordsAsync(new IssuanceFilter { Serial = $"{_ns}c1" }, Ct)).Items);
        Assert.Equal(agent.LastSeenAt, (await Store.GetAttestedNodeAsync(agent.SpiffeId, Ct))!.LastSeenAt);
    }

    private IssuanceRecord NewRecord(string serial, SvidKind kind, string path, string? entry, string caller, int second) => new()
    {
        Serial = _ns + serial,
        Kind = kind,
        SpiffeId = Id(path),
        EntryId = entry is null ? null : _ns + entry,
        Caller = caller.StartsWith("admin:", StringComparison.Ordinal) ? caller : _ns + caller,
        NotBefore = Start.AddSeconds(second),
        NotAfter = Start.AddHours(1),
        KeyType = "ec-p256",
        SigningAuthority = "ski-1",
        CreatedAt = Start.AddSeconds(second),
    };
}
