using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task CreateEntry_AssignsIdRevisionAndCreatedAt_AndRoundTripsEveryField()
    {
        var expires = Start.AddDays(30);
        var created = await Store.CreateEntryAsync(
            NewEntry("web", "agent", "unix:uid:1000", "k8s:ns:prod") with
            {
                X509SvidTtlSeconds = 3600,
                JwtSvidTtlSeconds = 300,
                DnsNames = ["web.example.org", "a.example.org"],
                Hint = "internal",
                Admin = true,
                Downstream = true,
                ExpiresAt = expires,
            },
            Ct);

        Assert.Matches("^[0-9a-f]{32}$", created.Id);
        Assert.True(created.RevisionNumber > 0);
        Assert.Equal(Start, created.CreatedAt);

        var read = await Store.GetEntryAsync(created.Id, Ct);
        Assert.NotNull(read);
        Assert.Equal(Id("web"), read.SpiffeId);
        Assert.Equal(Id("agent"), read.ParentId);
        Assert.Equal(["k8s:ns:prod", "unix:uid:1000"], read.Selectors.Select(s => s.ToString()));
        Assert.Equal(3600, read.X509SvidTtlSeconds);
        Assert.Equal(300, read.JwtSvidTtlSeconds);
        Assert.Equal(["web.example.org", "a.example.org"], read.DnsNames);
        Assert.Equal("internal", read.Hint);
        Assert.True(read.Admin);
        Assert.True(read.Downstream);
        Assert.Equal(expires, read.ExpiresAt);
        Assert.Equal(created.RevisionNumber, read.RevisionNumber);
        Assert.Equal(Start, read.CreatedAt);
    }

    [Fact]
    public async Task CreateEntry_WithGivenId_KeepsIt()
    {
        var id = Guid.NewGuid().ToString("N");
        var created = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1") with { Id = id }, Ct);

        Assert.Equal(id, created.Id);
        Assert.NotNull(await Store.GetEntryAsync(id, Ct));
    }

    [Fact]
    public async Task GetEntry_WhenMissing_ReturnsNull()
    {
        Assert.Null(await Store.GetEntryAsync("no-such-entry", Ct));
    }

    [Fact]
    public async Task EntryChanges_EachTakeTheNextStoreRevision()
    {
        var before = await Store.GetCurrentRevisionAsync(Ct);

        var created = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1"), Ct);
        var afterCreate = await Store.GetCurrentRevisionAsync(Ct);
        var updated = await Store.UpdateEntryAsync(created with { Hint = "changed" }, Ct);
        var afterUpdate = await Store.GetCurrentRevisionAsync(Ct);
        await Store.DeleteEntryAsync(created.Id, Ct);
        var afterDelete = await Store.GetCurrentRevisionAsync(Ct);

        Assert.True(created.RevisionNumber > before);
        Assert.Equal(created.RevisionNumber, afterCreate);
        Assert.True(updated.RevisionNumber > created.RevisionNumber);
        Assert.Equal(updated.RevisionNumber, afterUpdate);
        Assert.True(afterDelete > afterUpdate);
    }

    [Fact]
    public async Task CurrentRevision_OfAnEmptyStore_IsZero_AndCountsOnePerChange()
    {
        var store = await OpenFreshStoreAsync();
        Assert.Equal(0, await store.GetCurrentRevisionAsync(Ct));

        var entry = await store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1"), Ct);
        await store.UpdateEntryAsync(entry with { Admin = true }, Ct);
        await store.DeleteEntryAsync(entry.Id, Ct);

        Assert.Equal(3, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task CreateEntry_WithSameIdentityInAnotherSelectorOrder_IsRefusedNamingTheExistingEntry_AndStoresNothing()
    {
        var first = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1000", "unix:gid:50"), Ct);
        var revision = await Store.GetCurrentRevisionAsync(Ct);

        var ex = await Assert.ThrowsAsync<DuplicateEntryException>(
            () => Store.CreateEntryAsync(NewEntry("web", "agent", "unix:gid:50", "unix:uid:1000") with { Hint = "second" }, Ct));

        Assert.Equal(first.Id, ex.ExistingEntryId);
        Assert.False(ex.IsTransient);
        Assert.Equal(revision, await Store.GetCurrentRevisionAsync(Ct));
        var page = await Store.ListEntriesAsync(new EntryFilter { ParentId = Id("agent") }, Ct);
        Assert.Equal(first.Id, Assert.Single(page.Items).Id);
    }

    [Fact]
    public async Task CreateEntry_WithSameIdButDifferentIdentity_IsRefused()
    {
        var first = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1"), Ct);

        var ex = await Assert.ThrowsAsync<DuplicateEntryException>(
            () => Store.CreateEntryAsync(NewEntry("db", "agent", "unix:uid:2") with { Id = first.Id }, Ct));

        Assert.Equal(first.Id, ex.ExistingEntryId);
        Assert.Equal(Id("web"), (await Store.GetEntryAsync(first.Id, Ct))!.SpiffeId);
    }

    [Fact]
    public async Task CreateEntry_SameSpiffeIdWithOtherSelectorsOrParent_IsAccepted()
    {
        await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1"), Ct);
        await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1", "unix:gid:1"), Ct);
        await Store.CreateEntryAsync(NewEntry("web", "agent2", "unix:uid:1"), Ct);

        var page = await Store.ListEntriesAsync(new EntryFilter { SpiffeId = Id("web") }, Ct);
        Assert.Equal(3, page.Items.Count);
    }

    [Fact]
    public async Task CreateEntry_WithoutSelectors_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateEntryAsync(NewEntry("web", "agent"), Ct));
    }

    [Fact]
    public async Task UpdateEntry_ReplacesFieldsAndSelectors_KeepsCreatedAt()
    {
        var created = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1", "unix:gid:1"), Ct);
        Clock.Advance(TimeSpan.FromMinutes(5));

        var updated = await Store.UpdateEntryAsync(
            created with
            {
                SpiffeId = Id("web2"),
                Selectors = [Sel("unix:uid:2")],
                DnsNames = ["x.example.org"],
                X509SvidTtlSeconds = 60,
                ExpiresAt = null,
            },
            Ct);

        var read = await Store.GetEntryAsync(created.Id, Ct);
        Assert.NotNull(read);
        Assert.Equal(Id("web2"), read.SpiffeId);
        Assert.Equal(["unix:uid:2"], read.Selectors.Select(s => s.ToString()));
        Assert.Equal(["x.example.org"], read.DnsNames);
        Assert.Equal(60, read.X509SvidTtlSeconds);
        Assert.Null(read.ExpiresAt);
        Assert.Equal(Start, read.CreatedAt);
        Assert.Equal(updated.RevisionNumber, read.RevisionNumber);

        var bySelector = await Store.ListEntriesAsync(
            new EntryFilter { ParentId = Id("agent"), Selectors = [Sel("unix:gid:1")], Match = SelectorMatch.Superset }, Ct);
        Assert.Empty(bySelector.Items);
    }

    [Fact]
    public async Task UpdateEntry_WhenMissing_ThrowsNotFound_AndLeavesRevision()
    {
        var revision = await Store.GetCurrentRevisionAsync(Ct);

        await Assert.ThrowsAsync<NotFoundException>(
            () => Store.UpdateEntryAsync(NewEntry("web", "agent", "unix:uid:1") with { Id = "missing" }, Ct));

        Assert.Equal(revision, await Store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task UpdateEntry_ToAnotherEntrysIdentity_IsRefused_AndChangesNothing()
    {
        var a = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1"), Ct);
        var b = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:2"), Ct);

        var ex = await Assert.ThrowsAsync<DuplicateEntryException>(
            () => Store.UpdateEntryAsync(b with { Selectors = [Sel("unix:uid:1")], Hint = "moved" }, Ct));

        Assert.Equal(a.Id, ex.ExistingEntryId);
        var readB = await Store.GetEntryAsync(b.Id, Ct);
        Assert.Equal(["unix:uid:2"], readB!.Selectors.Select(s => s.ToString()));
        Assert.Equal(string.Empty, readB.Hint);
        Assert.Equal(b.RevisionNumber, readB.RevisionNumber);
    }

    [Fact]
    public async Task DeleteEntry_ReturnsTheEntry_AndLeavesATombstoneForSync()
    {
        var created = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1"), Ct);
        var before = await Store.GetCurrentRevisionAsync(Ct);

        var deleted = await Store.DeleteEntryAsync(created.Id, Ct);

        Assert.NotNull(deleted);
        Assert.Equal(created.Id, deleted.Id);
        Assert.Equal(Id("web"), deleted.SpiffeId);
        Assert.Equal(["unix:uid:1"], deleted.Selectors.Select(s => s.ToString()));
        Assert.Null(await Store.GetEntryAsync(created.Id, Ct));
        var tombstones = await Store.ListDeletedEntriesAsync(before, Ct);
        var tombstone = Assert.Single(tombstones, t => t.EntryId == created.Id);
        Assert.Equal(await Store.GetCurrentRevisionAsync(Ct), tombstone.Revision);
        var listed = await Store.ListEntriesAsync(new EntryFilter { ParentId = Id("agent") }, Ct);
        Assert.Empty(listed.Items);
    }

    [Fact]
    public async Task DeleteEntry_WhenMissing_ReturnsNull_AndLeavesRevision()
    {
        var revision = await Store.GetCurrentRevisionAsync(Ct);

        Assert.Null(await Store.DeleteEntryAsync("missing", Ct));
        Assert.Equal(revision, await Store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task CreateEntry_WithTheIdOfADeletedEntry_RevivesIt_AndDropsTheTombstone()
    {
        var created = await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1"), Ct);
        var before = await Store.GetCurrentRevisionAsync(Ct);
        await Store.DeleteEntryAsync(created.Id, Ct);

        await Store.CreateEntryAsync(NewEntry("web", "agent", "unix:uid:1") with { Id = created.Id }, Ct);

        Assert.DoesNotContain(await Store.ListDeletedEntriesAsync(before, Ct), t => t.EntryId == created.Id);
        Assert.NotNull(await Store.GetEntryAsync(created.Id, Ct));
    }

    [Fact]
    public async Task ListEntries_FiltersBySpiffeIdAndParent()
    {
        var a = await Store.CreateEntryAsync(NewEntry("a", "agent1", "unix:uid:1"), Ct);
        var b = await Store.CreateEntryAsync(NewEntry("b", "agent1", "unix:uid:1"), Ct);
        var c = await Store.CreateEntryAsync(NewEntry("a", "agent2", "unix:uid:1"), Ct);

        var byId = await Store.ListEntriesAsync(new EntryFilter { SpiffeId = Id("a") }, Ct);
        var byParent = await Store.ListEntriesAsync(new EntryFilter { ParentId = Id("agent1") }, Ct);
        var byBoth = await Store.ListEntriesAsync(new EntryFilter { SpiffeId = Id("a"), ParentId = Id("agent2") }, Ct);

        Assert.Equal(Sorted(a.Id, c.Id), byId.Items.Select(e => e.Id));
        Assert.Equal(Sorted(a.Id, b.Id), byParent.Items.Select(e => e.Id));
        Assert.Equal([c.Id], byBoth.Items.Select(e => e.Id));
        Assert.Null(byId.NextPageToken);
    }

    [Fact]
    public async Task ListEntries_MatchesSelectorsExactSubsetAndSuperset()
    {
        var one = await Store.CreateEntryAsync(NewEntry("one", "agent", "unix:uid:{ns}"), Ct);
        var two = await Store.CreateEntryAsync(NewEntry("two", "agent", "unix:uid:{ns}", "unix:gid:{ns}"), Ct);
        var three = await Store.CreateEntryAsync(NewEntry("three", "agent", "unix:uid:{ns}", "unix:gid:{ns}", "k8s:ns:{ns}"), Ct);
        var other = await Store.CreateEntryAsync(NewEntry("other", "agent", "unix:gid:{ns}", "unix:path:{ns}"), Ct);
        var uid = Sel($"unix:uid:{_ns}");
        var gid = Sel($"unix:gid:{_ns}");

        async Task<IEnumerable<string>> Match(SelectorMatch match, params Selector[] selectors) =>
            (await Store.ListEntriesAsync(new EntryFilter { Selectors = selectors, Match = match }, Ct)).Items.Select(e => e.Id);

        Assert.Equal([two.Id], await Match(SelectorMatch.Exact, gid, uid));
        Assert.Equal([one.Id], await Match(SelectorMatch.Exact, uid));
        Assert.Equal(Sorted(one.Id, two.Id), await Match(SelectorMatch.Subset, uid, gid));
        Assert.Equal(Sorted(one.Id, two.Id), await Match(SelectorMatch.Subset, uid, gid, Sel($"unix:other:{_ns}")));
        Assert.Equal(Sorted(two.Id, three.Id), await Match(SelectorMatch.Superset, uid, gid));
        Assert.Equal(Sorted(two.Id, three.Id, other.Id), await Match(SelectorMatch.Superset, gid));
        Assert.Empty(await Match(SelectorMatch.Superset, uid, Sel($"unix:path:{_ns}")));
    }

    [Fact]
    public async Task ListEntries_WithSelectorsButNoMatchMode_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(
            () => Store.ListEntriesAsync(new EntryFilter { Selectors = [Sel("unix:uid:1")] }, Ct));
    }

    [Fact]
    public async Task ListEntries_PagesByIdAcrossPages()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await Store.CreateEntryAsync(NewEntry($"w{i}", "agent", $"unix:uid:{i}"), Ct)).Id);
        }

        var seen = new List<string>();
        var sizes = new List<int>();
        string? token = null;
        do
        {
            var page = await Store.ListEntriesAsync(new EntryFilter { ParentId = Id("agent"), PageSize = 3, PageToken = token }, Ct);
            sizes.Add(page.Items.Count);
            seen.AddRange(page.Items.Select(e => e.Id));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal([3, 3, 1], sizes);
        Assert.Equal(Sorted([.. ids]), seen);
    }

    [Fact]
    public async Task ListEntries_AfterRevision_ReturnsOnlyLaterChanges()
    {
        var a = await Store.CreateEntryAsync(NewEntry("a", "agent", "unix:uid:1"), Ct);
        var b = await Store.CreateEntryAsync(NewEntry("b", "agent", "unix:uid:1"), Ct);
        var mark = await Store.GetCurrentRevisionAsync(Ct);
        var c = await Store.CreateEntryAsync(NewEntry("c", "agent", "unix:uid:1"), Ct);
        await Store.UpdateEntryAsync(a with { Hint = "touched" }, Ct);

        var changed = await Store.ListEntriesAsync(new EntryFilter { ParentId = Id("agent"), AfterRevision = mark }, Ct);

        Assert.Equal(Sorted(a.Id, c.Id), changed.Items.Select(e => e.Id));
        Assert.DoesNotContain(changed.Items, e => e.Id == b.Id);
    }

    [Fact]
    public async Task ListEntries_WithABadPageToken_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(
            () => Store.ListEntriesAsync(new EntryFilter { PageToken = "%%%not-base64" }, Ct));
    }

    private static List<string> Sorted(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];
}
