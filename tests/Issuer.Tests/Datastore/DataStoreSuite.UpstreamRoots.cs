using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task AddUpstreamRoot_WhenOneIsCurrent_RefusesUnlessReplacing()
    {
        // The table is store-wide, so this test takes a database of its own.
        var store = OpenStore(await CreateEmptyDatabaseAsync());
        await store.MigrateAsync(Ct);
        var first = Root("aa01", Start);
        var second = Root("bb02", Start.AddHours(1));

        Assert.True(await store.AddUpstreamRootAsync(first, replaceCurrent: false, Ct));
        Assert.False(await store.AddUpstreamRootAsync(second, replaceCurrent: false, Ct));
        var afterRefusal = await store.ListUpstreamRootsAsync(Ct);
        Assert.True(await store.AddUpstreamRootAsync(second, replaceCurrent: true, Ct));
        var roots = await store.ListUpstreamRootsAsync(Ct);

        Assert.Equal(["aa01"], afterRefusal.Select(r => r.Id));
        Assert.Equal(["aa01", "bb02"], roots.Select(r => r.Id));
        Assert.Equal([false, true], roots.Select(r => r.IsCurrent));
        Assert.Equal("disk", roots[1].KeyManager);
        Assert.Equal("upstream-root", roots[1].KeyId);
        Assert.Equal(new byte[] { 0x30, 0x02 }, roots[1].Certificate);
        Assert.Equal(Start.AddHours(1), roots[1].CreatedAt);
        Assert.Equal(Start.AddYears(10), roots[1].NotAfter);
    }

    [Fact]
    public async Task AddUpstreamRoot_TwoStoresRacing_LeaveExactlyOneCurrent()
    {
        var connection = await CreateEmptyDatabaseAsync();
        var one = OpenStore(connection);
        var other = OpenStore(connection);
        await one.MigrateAsync(Ct);

        var results = await Task.WhenAll(
            Settle(one.AddUpstreamRootAsync(Root("cc01", Start), false, Ct)),
            Settle(other.AddUpstreamRootAsync(Root("dd02", Start), false, Ct)));
        var roots = await one.ListUpstreamRootsAsync(Ct);

        Assert.Single(results, added => added);
        Assert.Single(roots);
        Assert.True(roots[0].IsCurrent);
    }

    private static async Task<bool> Settle(Task<bool> add)
    {
        try
        {
            return await add;
        }
        catch (DatastoreException)
        {
            return false;
        }
    }

    private static UpstreamRoot Root(string id, DateTimeOffset createdAt) => new()
    {
        Id = id,
        KeyManager = "disk",
        KeyId = "upstream-root",
        Certificate = [0x30, 0x02],
        NotBefore = createdAt,
        NotAfter = Start.AddYears(10),
        CreatedAt = createdAt,
    };
}
