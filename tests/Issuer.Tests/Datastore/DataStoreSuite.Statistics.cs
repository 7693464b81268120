using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Tests.Support;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task GetStatistics_CountsUnexpiredSvidsByWindow_NodesByState_AndRevocations()
    {
        var store = await OpenFreshStoreAsync();
        var now = Clock.GetUtcNow();
        await store.AddIssuanceRecordsAsync(
        [
            TestRows.Record("expired", now.AddMilliseconds(-1), SvidKind.X509),
            TestRows.Record("at-now", now, SvidKind.X509),
            TestRows.Record("hour", now.AddHours(1), SvidKind.X509),
            TestRows.Record("day", now.AddDays(1), SvidKind.X509),
            TestRows.Record("later", now.AddDays(1).AddMilliseconds(1), SvidKind.X509),
            TestRows.Record("jwt", now.AddMinutes(1), SvidKind.Jwt),
        ], Ct);
        foreach (var (name, notAfter) in new[] { ("live", now.AddMinutes(1)), ("gone", now), ("banned", now.AddMinutes(1)), ("renewed", now) })
        {
            await store.UpsertAttestedNodeAsync(TestRows.Node(name, notAfter), Ct);
        }

        // Its current SVID has expired, but it holds a renewed one it has not used yet: still active.
        await store.SetAttestedNodeNewCertificateAsync("spiffe://example.org/agent/renewed", "01", null, "02", now.AddMinutes(1), now, Ct);

        await store.SetAttestedNodeBannedAsync("spiffe://example.org/agent/banned", banned: true, Ct);
        await store.RevokeSvidsAsync([new RevokedSvid { AuthorityId = "ski", Serial = "hour", SpiffeId = "spiffe://example.org/w", Caller = "t", NotAfter = now.AddHours(1) }], Ct);

        var statistics = await store.GetStatisticsAsync(now, Ct);

        Assert.Equal(1, statistics.SvidsExpiringWithinHour[SvidKind.X509]);
        Assert.Equal(2, statistics.SvidsExpiringWithinDay[SvidKind.X509]);
        Assert.Equal(1, statistics.SvidsExpiringWithinHour[SvidKind.Jwt]);
        Assert.Equal((2, 1, 1), (statistics.ActiveNodes, statistics.ExpiredNodes, statistics.BannedNodes));
        Assert.Equal(1, statistics.RevokedSvids);
    }

    [Fact]
    public async Task GetStatistics_OnAnEmptyStore_CountsNothing()
    {
        var store = await OpenFreshStoreAsync();

        var statistics = await store.GetStatisticsAsync(Clock.GetUtcNow(), Ct);

        Assert.Empty(statistics.SvidsExpiringWithinDay);
        Assert.Equal((0, 0, 0, 0), (statistics.ActiveNodes, statistics.ExpiredNodes, statistics.BannedNodes, statistics.RevokedSvids));
    }
}
