using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Tests.Common.Time;

namespace IdentityIssuer.Attestation.Tests.Node;

public sealed class NodeChallengeStoreTests
{
    [Fact]
    public void TryConsume_AnIssuedNonce_SucceedsOnce()
    {
        var store = new NodeChallengeStore(new FakeClock());
        var nonce = Convert.FromBase64String(store.TryIssue()!.Nonce);

        Assert.True(store.TryConsume(nonce));
        Assert.False(store.TryConsume(nonce));
    }

    [Fact]
    public void TryConsume_AfterExpiry_Fails()
    {
        var clock = new FakeClock();
        var store = new NodeChallengeStore(clock, TimeSpan.FromMinutes(1));
        var challenge = store.TryIssue()!;
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(clock.GetUtcNow(), challenge.ExpiresAt);
        Assert.False(store.TryConsume(Convert.FromBase64String(challenge.Nonce)));
    }

    [Fact]
    public void TryConsume_AnUnknownOrMalformedNonce_Fails()
    {
        var store = new NodeChallengeStore(new FakeClock());
        store.TryIssue();

        Assert.False(store.TryConsume(new byte[NodeChallengeStore.NonceLength]));
        Assert.False(store.TryConsume([1, 2, 3]));
    }

    [Fact]
    public void TryIssue_WhenFull_RefusesUntilOldNoncesExpire()
    {
        var clock = new FakeClock();
        var store = new NodeChallengeStore(clock, TimeSpan.FromMinutes(1), capacity: 2);
        store.TryIssue();
        store.TryIssue();

        var whileFull = store.TryIssue();
        clock.Advance(TimeSpan.FromMinutes(2));
        var afterExpiry = store.TryIssue();

        Assert.Null(whileFull);
        Assert.NotNull(afterExpiry);
        Assert.Equal(1, store.Count);
    }
}
