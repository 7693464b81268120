using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task PruneIssuanceRecords_DeletesOnlyThoseExpiredBeforeTheCutoff()
    {
        var store = await OpenFreshStoreAsync();
        await store.AddIssuanceRecordsAsync(
        [
            NewRecord("01", SvidKind.X509, "web", null, "agent", 0) with { NotAfter = Start.AddHours(-2) },
            NewRecord("01", SvidKind.Jwt, "web", null, "agent", 1) with { NotAfter = Start.AddHours(-1).AddMilliseconds(-1) },
            NewRecord("02", SvidKind.X509, "web", null, "agent", 2) with { NotAfter = Start.AddHours(-1) },
            NewRecord("03", SvidKind.X509, "web", null, "agent", 3) with { NotAfter = Start.AddHours(1) },
        ], Ct);

        Assert.Equal(2, await store.PruneIssuanceRecordsAsync(Start.AddHours(-1), Ct));
        Assert.Equal(0, await store.PruneIssuanceRecordsAsync(Start.AddHours(-1), Ct));

        var left = (await store.ListIssuanceRecordsAsync(new IssuanceFilter(), Ct)).Items;
        Assert.Equal([$"{_ns}03", $"{_ns}02"], left.Select(r => r.Serial));
    }

    [Fact]
    public async Task PruneAttestedNodes_DeletesExpiredNodes_ButKeepsBannedOnesAndLiveOnes()
    {
        var store = await OpenFreshStoreAsync();
        await store.UpsertAttestedNodeAsync(NewNode("gone") with { CertificateNotAfter = Start.AddDays(-2) }, Ct);
        await store.UpsertAttestedNodeAsync(NewNode("banned") with { CertificateNotAfter = Start.AddDays(-2) }, Ct);
        await store.SetAttestedNodeBannedAsync(Id("banned"), banned: true, Ct);
        await store.UpsertAttestedNodeAsync(NewNode("recent") with { CertificateNotAfter = Start.AddHours(-1) }, Ct);
        await store.UpsertAttestedNodeAsync(NewNode("live"), Ct);
        await store.UpsertAttestedNodeAsync(NewNode("renewed") with { CertificateSerial = "01", CertificateNotAfter = Start.AddDays(-2) }, Ct);
        await store.SetAttestedNodeNewCertificateAsync(Id("renewed"), "01", null, "02", Start.AddHours(1), Start.AddDays(-3), Ct);

        Assert.Equal(1, await store.PruneAttestedNodesAsync(Start.AddDays(-1), Ct));
        Assert.Equal(0, await store.PruneAttestedNodesAsync(Start.AddDays(-1), Ct));

        var left = (await store.ListAttestedNodesAsync(0, null, Ct)).Items.Select(n => n.SpiffeId).ToList();
        Assert.Equal([Id("banned"), Id("live"), Id("recent"), Id("renewed")], left);
        Assert.True((await store.GetAttestedNodeAsync(Id("banned"), Ct))!.Banned);
    }

    [Fact]
    public async Task PruneEntryTombstones_DeletesThoseUpToTheRevision_AndLeavesLiveEntriesAlone()
    {
        var store = await OpenFreshStoreAsync();
        var a = await store.CreateEntryAsync(NewEntry("a", "agent", "unix:uid:1"), Ct);
        var b = await store.CreateEntryAsync(NewEntry("b", "agent", "unix:uid:2"), Ct);
        var kept = await store.CreateEntryAsync(NewEntry("c", "agent", "unix:uid:3"), Ct);
        await store.DeleteEntryAsync(a.Id, Ct);
        var cutoff = await store.GetCurrentRevisionAsync(Ct);
        await store.DeleteEntryAsync(b.Id, Ct);

        Assert.Equal(1, await store.PruneEntryTombstonesAsync(cutoff, Ct));
        Assert.Equal(0, await store.PruneEntryTombstonesAsync(cutoff, Ct));

        var deleted = await store.ListDeletedEntriesAsync(0, Ct);
        Assert.Equal([b.Id], deleted.Select(d => d.EntryId));
        Assert.NotNull(await store.GetEntryAsync(kept.Id, Ct));
        Assert.Equal(cutoff + 1, await store.GetCurrentRevisionAsync(Ct));
    }
}
