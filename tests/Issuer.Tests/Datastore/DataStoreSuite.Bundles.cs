using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task AppendBundle_CreatesWithSequenceOne_AndRepeatingItChangesNothing()
    {
        var domain = NewTrustDomain();
        var ca = Der(1);
        var key = new BundleJwtKey("kid-1", Der(100), Start.AddDays(1));

        var created = await Store.AppendBundleAsync(domain, true, [ca], [key], Ct);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var again = await Store.AppendBundleAsync(domain, true, [ca, ca], [key], Ct);

        Assert.Equal(1, created.Sequence);
        Assert.True(created.IsOwn);
        Assert.Equal(Start, created.UpdatedAt);
        Assert.Equal(1, again.Sequence);
        Assert.Equal(Start, again.UpdatedAt);
        var single = Assert.Single(again.X509Authorities);
        Assert.Equal(ca, single);
        var jwt = Assert.Single(again.JwtKeys);
        Assert.Equal("kid-1", jwt.KeyId);
        Assert.Equal(key.SubjectPublicKeyInfo, jwt.SubjectPublicKeyInfo);
        Assert.Equal(key.NotAfter, jwt.NotAfter);
    }

    [Fact]
    public async Task AppendBundle_WithSomethingNew_RaisesSequenceByOne_AndKeepsOrderOfAddition()
    {
        var domain = NewTrustDomain();
        await Store.AppendBundleAsync(domain, false, [Der(3)], [], Ct);
        Clock.Advance(TimeSpan.FromMinutes(1));

        var grown = await Store.AppendBundleAsync(domain, false, [Der(3), Der(1), Der(2)], [new BundleJwtKey("k", Der(9), Start)], Ct);

        Assert.Equal(2, grown.Sequence);
        Assert.False(grown.IsOwn);
        Assert.Equal(Start.AddMinutes(1), grown.UpdatedAt);
        Assert.Equal([Der(3), Der(1), Der(2)], grown.X509Authorities);
        Assert.Equal(grown, await Store.GetBundleAsync(domain, Ct), BundleComparer.Instance);
    }

    [Fact]
    public async Task AppendBundle_ConcurrentlyFromReplicas_LosesNoAuthority()
    {
        var domain = NewTrustDomain();
        var replica = OpenStore(ConnectionString);
        const int appends = 8;

        await Task.WhenAll(Enumerable.Range(0, appends).Select(i => Task.Run(
            () => (i % 2 == 0 ? Store : replica).AppendBundleAsync(domain, true, [Der(i)], [new BundleJwtKey($"kid-{i}", Der(100 + i), Start)], Ct))));

        var bundle = await Store.GetBundleAsync(domain, Ct);
        Assert.NotNull(bundle);
        Assert.Equal(appends, bundle.X509Authorities.Count);
        Assert.Equal(appends, bundle.JwtKeys.Count);
        Assert.Equal(appends, bundle.Sequence);
    }

    [Fact]
    public async Task RemoveFromBundle_RemovesByDerAndKid_RaisingSequenceOnlyOnChange()
    {
        var domain = NewTrustDomain();
        await Store.AppendBundleAsync(domain, true, [Der(1), Der(2)], [new BundleJwtKey("a", Der(10), Start), new BundleJwtKey("b", Der(11), Start)], Ct);

        var removed = await Store.RemoveFromBundleAsync(domain, [Der(1)], ["b"], Ct);
        var unchanged = await Store.RemoveFromBundleAsync(domain, [Der(1), Der(7)], ["b", "zzz"], Ct);

        Assert.Equal(2, removed.Sequence);
        Assert.Equal([Der(2)], removed.X509Authorities);
        Assert.Equal(["a"], removed.JwtKeys.Select(k => k.KeyId));
        Assert.Equal(2, unchanged.Sequence);
    }

    [Fact]
    public async Task RemoveFromBundle_OfUnknownTrustDomain_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => Store.RemoveFromBundleAsync(NewTrustDomain(), [Der(1)], [], Ct));
    }

    [Fact]
    public async Task GetBundle_OfUnknownTrustDomain_ReturnsNull()
    {
        Assert.Null(await Store.GetBundleAsync(NewTrustDomain(), Ct));
    }

    [Fact]
    public async Task ListBundles_ReturnsOwnAndFederatedByName()
    {
        var store = await OpenFreshStoreAsync();
        await store.AppendBundleAsync("z.example", false, [Der(1)], [], Ct);
        await store.AppendBundleAsync("a.example", true, [Der(2)], [], Ct);

        var bundles = await store.ListBundlesAsync(Ct);

        Assert.Equal(["a.example", "z.example"], bundles.Select(b => b.TrustDomain));
        Assert.True(bundles[0].IsOwn);
        Assert.False(bundles[1].IsOwn);
        Assert.Equal([Der(1)], bundles[1].X509Authorities);
    }

    private string NewTrustDomain() => $"{_ns}-{Guid.NewGuid():N}".Substring(0, 24) + ".example";

    /// <summary>A stand-in certificate: long enough that no index could hold it whole.</summary>
    private static byte[] Der(int seed)
    {
        var bytes = new byte[3000];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private sealed class BundleComparer : IEqualityComparer<TrustBundle?>
    {
        public static readonly BundleComparer Instance = new();

        public bool Equals(TrustBundle? x, TrustBundle? y) =>
            x is not null && y is not null
            && x.TrustDomain == y.TrustDomain
            && x.Sequence == y.Sequence
            && x.IsOwn == y.IsOwn
            && x.UpdatedAt == y.UpdatedAt
            && x.X509Authorities.Count == y.X509Authorities.Count
            && x.X509Authorities.Zip(y.X509Authorities).All(p => p.First.AsSpan().SequenceEqual(p.Second))
            && x.JwtKeys.Select(k => k.KeyId).SequenceEqual(y.JwtKeys.Select(k => k.KeyId));

        public int GetHashCode(TrustBundle? obj) => obj?.TrustDomain.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
