using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task RevokeSvids_RecordsNewOnesUnderOneRevision_AndSkipsThoseAlreadyRevoked()
    {
        var store = await OpenFreshStoreAsync();
        Assert.Equal(0, await store.GetRevocationRevisionAsync(Ct));

        var first = await store.RevokeSvidsAsync([Revoked("ca-1", "01"), Revoked("ca-1", "02"), Revoked("ca-2", "01")], Ct);
        Assert.Equal(3, first.Count);
        Assert.All(first, r => Assert.Equal(1, r.Revision));
        Assert.All(first, r => Assert.Equal(Start, r.RevokedAt));
        Assert.Equal(1, await store.GetRevocationRevisionAsync(Ct));

        // One already revoked and one new: only the new one is returned, under the next revision.
        Clock.Advance(TimeSpan.FromMinutes(1));
        var second = await store.RevokeSvidsAsync([Revoked("ca-1", "02") with { Reason = "again" }, Revoked("ca-1", "03")], Ct);
        var added = Assert.Single(second);
        Assert.Equal(("ca-1", "03", 2L), (added.AuthorityId, added.Serial, added.Revision));
        Assert.Equal(2, await store.GetRevocationRevisionAsync(Ct));

        // Nothing new: the revision does not move.
        Assert.Empty(await store.RevokeSvidsAsync([Revoked("ca-1", "01")], Ct));
        Assert.Equal(2, await store.GetRevocationRevisionAsync(Ct));

        var ca1 = await store.ListRevokedSvidsAsync("ca-1", Ct);
        Assert.Equal(["01", "02", "03"], ca1.Select(r => r.Serial));
        var kept = ca1[1];
        Assert.Equal((Id("web"), "entry-1", "admin:uid:0", "compromised", 1L, Start), (kept.SpiffeId, kept.EntryId, kept.Caller, kept.Reason, kept.Revision, kept.RevokedAt));
        Assert.Equal(Start.AddHours(1), kept.NotAfter);
        Assert.Equal(4, (await store.ListRevokedSvidsAsync(null, Ct)).Count);
    }

    [Fact]
    public async Task RevokeSvids_WithAMissingField_IsRefusedAndStoresNothing()
    {
        var store = await OpenFreshStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.RevokeSvidsAsync([Revoked("ca-1", "01"), Revoked("ca-1", "")], Ct));

        Assert.Empty(await store.ListRevokedSvidsAsync(null, Ct));
        Assert.Equal(0, await store.GetRevocationRevisionAsync(Ct));
    }

    [Fact]
    public async Task PruneRevokedSvids_DeletesOnlyThoseExpiredBeforeTheCutoff()
    {
        var store = await OpenFreshStoreAsync();
        await store.RevokeSvidsAsync(
        [
            Revoked("ca-1", "01") with { NotAfter = Start.AddHours(-2) },
            Revoked("ca-1", "02") with { NotAfter = Start.AddHours(-1) },
            Revoked("ca-1", "03") with { NotAfter = Start.AddHours(1) },
        ], Ct);

        Assert.Equal(1, await store.PruneRevokedSvidsAsync(Start.AddHours(-1), Ct));
        Assert.Equal(0, await store.PruneRevokedSvidsAsync(Start.AddHours(-1), Ct));

        Assert.Equal(["02", "03"], (await store.ListRevokedSvidsAsync(null, Ct)).Select(r => r.Serial));
    }

    [Fact]
    public async Task SaveCrl_KeepsTheHighestNumberPerAuthority()
    {
        var store = await OpenFreshStoreAsync();

        Assert.True(await store.SaveCrlAsync(Crl("ca-1", 1, [1]), Ct));
        Assert.True(await store.SaveCrlAsync(Crl("ca-2", 5, [2]), Ct));
        Assert.True(await store.SaveCrlAsync(Crl("ca-1", 2, [3]) with { RevocationRevision = 7 }, Ct));
        Assert.False(await store.SaveCrlAsync(Crl("ca-1", 2, [4]), Ct));
        Assert.False(await store.SaveCrlAsync(Crl("ca-1", 1, [5]), Ct));

        var crls = await store.ListCrlsAsync(Ct);
        Assert.Equal([("ca-1", 2L, (byte)3, 7L), ("ca-2", 5L, (byte)2, 0L)], crls.Select(c => (c.AuthorityId, c.CrlNumber, c.Der[0], c.RevocationRevision)));
        Assert.Equal(Start, crls[0].ThisUpdate);
        Assert.Equal(Start.AddDays(1), crls[0].NextUpdate);
    }

    [Fact]
    public async Task SetAuthorityStatus_IsACompareAndSet()
    {
        var store = await OpenFreshStoreAsync();
        await store.UpsertAuthorityAsync(NewAuthority("ski-a", AuthorityKind.X509, "A", Start) with { Status = AuthorityStatus.Old }, Ct);

        Assert.False(await store.SetAuthorityStatusAsync("ski-a", AuthorityStatus.Active, AuthorityStatus.Tainted, Ct));
        Assert.True(await store.SetAuthorityStatusAsync("ski-a", AuthorityStatus.Old, AuthorityStatus.Tainted, Ct));
        Assert.False(await store.SetAuthorityStatusAsync("ski-a", AuthorityStatus.Old, AuthorityStatus.Tainted, Ct));
        Assert.False(await store.SetAuthorityStatusAsync("nope", AuthorityStatus.Old, AuthorityStatus.Tainted, Ct));

        var row = Assert.Single(await store.ListAuthoritiesAsync(AuthorityKind.X509, Ct));
        Assert.Equal(AuthorityStatus.Tainted, row.Status);
        Assert.Equal("key-ski-a", row.KeyId);
    }

    [Fact]
    public async Task Authorities_RememberTheirReplica_AndDeleteTakesTheCrlAlong()
    {
        var store = await OpenFreshStoreAsync();
        await store.UpsertAuthorityAsync(NewAuthority("ski-a", AuthorityKind.X509, "A", Start), Ct);
        await store.UpsertAuthorityAsync(NewAuthority("ski-b", AuthorityKind.X509, "A", Start.AddMinutes(1)) with { Replica = "east" }, Ct);
        await store.SaveCrlAsync(Crl("ski-a", 1, [1]), Ct);
        await store.SaveCrlAsync(Crl("ski-b", 1, [1]), Ct);

        Assert.Equal([("ski-a", "primary"), ("ski-b", "east")], (await store.ListAuthoritiesAsync(AuthorityKind.X509, Ct)).Select(a => (a.Id, a.Replica)));

        Assert.True(await store.DeleteAuthorityAsync("ski-a", Ct));
        Assert.False(await store.DeleteAuthorityAsync("ski-a", Ct));
        Assert.Equal(["ski-b"], (await store.ListAuthoritiesAsync(AuthorityKind.X509, Ct)).Select(a => a.Id));
        Assert.Equal(["ski-b"], (await store.ListCrlsAsync(Ct)).Select(c => c.AuthorityId));
    }

    private RevokedSvid Revoked(string authorityId, string serial) => new()
    {
        AuthorityId = authorityId,
        Serial = serial,
        SpiffeId = Id("web"),
        EntryId = "entry-1",
        Caller = "admin:uid:0",
        NotAfter = Start.AddHours(1),
        Reason = "compromised",
    };

    private static StoredCrl Crl(string authorityId, long number, byte[] der) => new()
    {
        AuthorityId = authorityId,
        CrlNumber = number,
        Der = der,
        ThisUpdate = Start,
        NextUpdate = Start.AddDays(1),
    };
}
