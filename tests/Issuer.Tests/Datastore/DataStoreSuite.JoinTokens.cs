using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task ConsumeJoinToken_ReturnsItOnce_ThenNothing()
    {
        var token = new JoinToken(NewTokenHash(), Start.AddHours(1), Start);
        await Store.CreateJoinTokenAsync(token, Ct);

        var first = await Store.ConsumeJoinTokenAsync(token.TokenHash, Start, Ct);
        var second = await Store.ConsumeJoinTokenAsync(token.TokenHash, Start, Ct);

        Assert.NotNull(first);
        Assert.Equal(token.TokenHash, first.TokenHash);
        Assert.Equal(token.ExpiresAt, first.ExpiresAt);
        Assert.Equal(token.CreatedAt, first.CreatedAt);
        Assert.Null(second);
    }

    [Fact]
    public async Task ConsumeJoinToken_UnknownHash_ReturnsNull()
    {
        Assert.Null(await Store.ConsumeJoinTokenAsync(NewTokenHash(), Start, Ct));
    }

    [Fact]
    public async Task ConsumeJoinToken_RacedByReplicas_ExactlyOneWins()
    {
        // Four callers on two separate pools, as if two issuer replicas served them.
        var replica = OpenStore(ConnectionString);
        var stores = new[] { Store, replica, Store, replica };
        for (var round = 0; round < 10; round++)
        {
            var hash = NewTokenHash();
            await Store.CreateJoinTokenAsync(new JoinToken(hash, Start.AddHours(1), Start), Ct);
            using var go = new ManualResetEventSlim();
            var racers = stores.Select(store => Task.Run(async () =>
            {
                go.Wait();
                return await store.ConsumeJoinTokenAsync(hash, Start, Ct);
            })).ToArray();
            go.Set();

            var results = await Task.WhenAll(racers);

            Assert.Single(results, r => r is not null);
        }
    }

    [Fact]
    public async Task ConsumeJoinToken_WhenExpired_ReturnsNull_AndKeepsNothingUsable()
    {
        var token = new JoinToken(NewTokenHash(), Start.AddMinutes(10), Start);
        await Store.CreateJoinTokenAsync(token, Ct);

        Assert.Null(await Store.ConsumeJoinTokenAsync(token.TokenHash, Start.AddMinutes(10), Ct));
        Assert.Null(await Store.ConsumeJoinTokenAsync(token.TokenHash, Start.AddMinutes(11), Ct));
        Assert.NotNull(await Store.ConsumeJoinTokenAsync(token.TokenHash, Start.AddMinutes(9), Ct));
    }

    [Fact]
    public async Task PruneJoinTokens_DeletesOnlyExpiredOnes()
    {
        var store = await OpenFreshStoreAsync();
        var expired1 = new JoinToken(NewTokenHash(), Start.AddMinutes(-5), Start.AddHours(-1));
        var expired2 = new JoinToken(NewTokenHash(), Start.AddMinutes(-1), Start.AddHours(-1));
        var live = new JoinToken(NewTokenHash(), Start.AddMinutes(5), Start);
        foreach (var token in new[] { expired1, expired2, live })
        {
            await store.CreateJoinTokenAsync(token, Ct);
        }

        Assert.Equal(2, await store.PruneJoinTokensAsync(Start, Ct));
        Assert.Equal(0, await store.PruneJoinTokensAsync(Start, Ct));
        Assert.NotNull(await store.ConsumeJoinTokenAsync(live.TokenHash, Start, Ct));
    }

    private static string NewTokenHash() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
