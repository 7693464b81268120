using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Tests.Cache;

public sealed class JwtSvidCacheTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TestTrustDomain _td = new();
    private readonly FakeJwtSvidIssuer _issuer;
    private readonly WorkloadX509Svid _web;

    public JwtSvidCacheTests()
    {
        _issuer = new FakeJwtSvidIssuer(_clock);
        _web = _td.MintSvid("e1", "/web", ["unix:uid:1000"]);
    }

    public void Dispose() => _td.Dispose();

    private JwtSvidCache Cache(int size = 1000, int perMinute = 30) =>
        new(_issuer, _clock, Options.Create(new AgentOptions { JwtSvidCacheSize = size, NewJwtAudiencesPerMinute = perMinute }));

    [Fact]
    public async Task Fetch_AudienceContainingANewline_IsNotServedTheTokenOfTheSplitAudiences()
    {
        var cache = Cache();

        var split = await cache.FetchAsync(_web, ["a", "b"], CancellationToken.None);
        var joined = await cache.FetchAsync(_web, ["a\nb"], CancellationToken.None);

        Assert.NotEqual(split.Token, joined.Token);
        Assert.Equal(2, _issuer.Calls);
        Assert.Equal(["a\nb"], _issuer.Requests.Last().Audience);
    }

    [Fact]
    public async Task Fetch_SameAudienceInAnotherOrder_IsServedFromTheCache()
    {
        var cache = Cache();

        var first = await cache.FetchAsync(_web, ["a", "b"], CancellationToken.None);
        var second = await cache.FetchAsync(_web, ["b", "a"], CancellationToken.None);

        Assert.Equal(first.Token, second.Token);
        Assert.Equal(1, _issuer.Calls);
    }

    [Fact]
    public async Task Fetch_ConcurrentIdenticalRequests_MakeOneIssuerCall()
    {
        var cache = Cache();
        _issuer.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var fetches = Enumerable.Range(0, 20).Select(_ => cache.FetchAsync(_web, ["api"], CancellationToken.None)).ToArray();
        _issuer.Hold.SetResult();
        var tokens = (await Task.WhenAll(fetches)).Select(s => s.Token).Distinct().ToArray();

        Assert.Equal(1, _issuer.Calls);
        Assert.Single(tokens);
    }

    [Fact]
    public async Task Fetch_BeyondTheCacheSize_EvictsTheOldestAndKeepsTheSize()
    {
        var cache = Cache(size: 3);
        foreach (var audience in new[] { "a", "b", "c", "d" })
        {
            await cache.FetchAsync(_web, [audience], CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, cache.Count);
        await cache.FetchAsync(_web, ["d"], CancellationToken.None); // still cached
        Assert.Equal(4, _issuer.Calls);
        await cache.FetchAsync(_web, ["a"], CancellationToken.None); // the oldest was evicted
        Assert.Equal(5, _issuer.Calls);
    }

    [Fact]
    public async Task Fetch_TooManyNewAudienceSetsInAMinute_IsRefusedNamingTheSettingUntilTheMinutePasses()
    {
        var cache = Cache(perMinute: 2);
        await cache.FetchAsync(_web, ["a"], CancellationToken.None);
        await cache.FetchAsync(_web, ["b"], CancellationToken.None);

        var refused = await Assert.ThrowsAsync<JwtSvidRateLimitException>(() => cache.FetchAsync(_web, ["c"], CancellationToken.None));
        Assert.Contains("Agent:NewJwtAudiencesPerMinute", refused.Message, StringComparison.Ordinal);
        Assert.Contains("spiffe://example.org/web", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, _issuer.Calls);

        // Cached audiences are still served, and another identity has its own allowance.
        await cache.FetchAsync(_web, ["a"], CancellationToken.None);
        await cache.FetchAsync(_td.MintSvid("e2", "/db", ["unix:uid:1001"]), ["c"], CancellationToken.None);

        _clock.Advance(TimeSpan.FromMinutes(1));
        await cache.FetchAsync(_web, ["c"], CancellationToken.None);
        Assert.Equal(4, _issuer.Calls);
    }
}
