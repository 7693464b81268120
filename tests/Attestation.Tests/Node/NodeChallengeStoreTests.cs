using System.Net;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Node;
using Microsoft.Extensions.Time.Testing;

namespace IdentityIssuer.Attestation.Tests.Node;

public sealed class NodeChallengeStoreTests
{
    private const string Agent = "192.0.2.10";
    private const string Flooder = "198.51.100.7";

    private static ChallengeResponse Issue(NodeChallengeStore store, string source = Agent)
    {
        var issue = store.TryIssue(source);
        Assert.Equal(NodeChallengeOutcome.Issued, issue.Outcome);
        return issue.Challenge!;
    }

    [Fact]
    public void TryConsume_AnIssuedNonce_SucceedsOnce()
    {
        var store = new NodeChallengeStore(new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var nonce = Convert.FromBase64String(Issue(store).Nonce);

        Assert.True(store.TryConsume(nonce));
        Assert.False(store.TryConsume(nonce));
    }

    [Fact]
    public void TryConsume_AfterExpiry_Fails()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new NodeChallengeStore(clock, TimeSpan.FromMinutes(1));
        var challenge = Issue(store);
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(clock.GetUtcNow(), challenge.ExpiresAt);
        Assert.False(store.TryConsume(Convert.FromBase64String(challenge.Nonce)));
    }

    [Fact]
    public void TryConsume_AnUnknownOrMalformedNonce_Fails()
    {
        var store = new NodeChallengeStore(new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Issue(store);

        Assert.False(store.TryConsume(new byte[NodeChallengeStore.NonceLength]));
        Assert.False(store.TryConsume([1, 2, 3]));
    }

    [Fact]
    public void TryIssue_WhenFullWithNoLargerSource_RefusesUntilOldNoncesExpire()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new NodeChallengeStore(clock, TimeSpan.FromMinutes(1), capacity: 2);
        Issue(store);
        Issue(store);

        var whileFull = store.TryIssue(Agent);
        clock.Advance(TimeSpan.FromMinutes(2));
        var afterExpiry = store.TryIssue(Agent);

        Assert.Equal(NodeChallengeOutcome.StoreFull, whileFull.Outcome);
        Assert.Null(whileFull.Challenge);
        Assert.Equal(NodeChallengeOutcome.Issued, afterExpiry.Outcome);
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void TryIssue_WhenOneAddressFloods_ItIsStoppedAtItsLimit_AndAnotherAddressStillAttests()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new NodeChallengeStore(clock);
        var outcomes = Enumerable.Range(0, 10_000).Select(_ => store.TryIssue(Flooder).Outcome).ToList();

        var agents = Issue(store);

        Assert.Equal(NodeChallengeStore.DefaultMaxPerSource, outcomes.Count(o => o == NodeChallengeOutcome.Issued));
        Assert.Equal(NodeChallengeOutcome.SourceLimit, outcomes[^1]);
        Assert.True(store.TryConsume(Convert.FromBase64String(agents.Nonce)));
    }

    [Fact]
    public void TryIssue_AfterTheFloodersNoncesExpire_ServesItAgain()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new NodeChallengeStore(clock, TimeSpan.FromMinutes(1), maxPerSource: 2);
        Issue(store, Flooder);
        Issue(store, Flooder);
        var atLimit = store.TryIssue(Flooder).Outcome;

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(NodeChallengeOutcome.SourceLimit, atLimit);
        Assert.Equal(NodeChallengeOutcome.Issued, store.TryIssue(Flooder).Outcome);
    }

    [Fact]
    public void TryIssue_WhenManyAddressesFillTheStore_AnAddressWithNoneStillGetsOne_FromTheLargestHolder()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new NodeChallengeStore(clock, capacity: 100, maxPerSource: 16);
        var floodersFirst = Issue(store, "198.51.100.1");
        for (var i = 1; i < 16; i++)
        {
            Issue(store, "198.51.100.1");
        }

        for (var i = 0; i < 84; i++)
        {
            Issue(store, $"203.0.113.{i}");
        }

        var agents = Issue(store);

        Assert.Equal(100, store.Count);
        Assert.True(store.TryConsume(Convert.FromBase64String(agents.Nonce)));
        Assert.False(store.TryConsume(Convert.FromBase64String(floodersFirst.Nonce))); // the evicted one
    }

    [Fact]
    public void TryIssue_WhenMoreThanHalfFull_GivesShortLivedNonces()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new NodeChallengeStore(clock, TimeSpan.FromMinutes(2), capacity: 4, pressureLifetime: TimeSpan.FromSeconds(15));
        var first = Issue(store, "203.0.113.1");
        Issue(store, "203.0.113.2");

        var underPressure = Issue(store, "203.0.113.3");

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(2), first.ExpiresAt);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(15), underPressure.ExpiresAt);
    }

    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("::ffff:192.0.2.10", "192.0.2.10")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    public void Source_CountsIPv4AddressesAndIPv6Networks(string address, string source)
    {
        Assert.Equal(source, NodeChallengeSource.For(IPAddress.Parse(address)));
    }
}
