using IdentityIssuer.Issuer.Datastore;

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
            StatRecord("expired", SvidKind.X509, now.AddMilliseconds(-1)),
            StatRecord("at-now", SvidKind.X509, now),
            StatRecord("hour", SvidKind.X509, now.AddHours(1)),
            StatRecord("day", SvidKind.X509, now.AddDays(1)),
            StatRecord("later", SvidKind.X509, now.AddDays(1).AddMilliseconds(1)),
            StatRecord("jwt", SvidKind.Jwt, now.AddMinutes(1)),
        ], Ct);
        foreach (var (name, notAfter) in new[] { ("live", now.AddMinutes(1)), ("gone", now), ("banned", now.AddMinutes(1)) })
        {
            await store.UpsertAttestedNodeAsync(new AttestedNode { SpiffeId = "spiffe://example.org/agent/" + name, AttestationType = "join_token", CertificateSerial = "01", CertificateNotAfter = notAfter }, Ct);
        }

        await store.SetAttestedNodeBannedAsync("spiffe://example.org/agent/banned", banned: true, Ct);
        await store.RevokeSvidsAsync([new RevokedSvid { AuthorityId = "ski", Serial = "hour", SpiffeId = "spiffe://example.org/w", Caller = "t", NotAfter = now.AddHours(1) }], Ct);

        var statistics = await store.GetStatisticsAsync(now, Ct);

        Assert.Equal(1, statistics.SvidsExpiringWithinHour[SvidKind.X509]);
        Assert.Equal(2, statistics.SvidsExpiringWithinDay[SvidKind.X509]);
        Assert.Equal(1, statistics.SvidsExpiringWithinHour[SvidKind.Jwt]);
        Assert.Equal((1, 1, 1), (statistics.ActiveNodes, statistics.ExpiredNodes, statistics.BannedNodes));
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

    private static IssuanceRecord StatRecord(string serial, SvidKind kind, DateTimeOffset notAfter) => new()
    {
        Serial = serial,
        Kind = kind,
        SpiffeId = "spiffe://example.org/w",
        Caller = "t",
        NotBefore = notAfter.AddHours(-2),
        NotAfter = notAfter,
        KeyType = "ec-p256",
        SigningAuthority = "ski",
    };
}
