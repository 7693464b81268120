using System.Globalization;
using System.Text;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Attestation.AgentApi;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Cache;

/// <summary>
/// The JWT-SVIDs the agent minted for its workloads, by entry and audience set, reused while they have
/// more than half their lifetime left. Bounded three ways, because any local process may ask: at most
/// <see cref="AgentOptions.JwtSvidCacheSize"/> tokens (expired ones go first, then the oldest),
/// at most <see cref="AgentOptions.NewJwtAudiencesPerMinute"/> audience sets not yet cached per SPIFFE ID
/// and minute, and one issuer call for any number of identical requests at the same time.
/// </summary>
internal sealed class JwtSvidCache
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    private readonly IJwtSvidIssuer _issuer;
    private readonly ServedWorkloads? _served;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly int _newPerMinute;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CachedJwt> _jwts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<CachedJwt>> _minting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset Start, int Count)> _newAudienceSets = new(StringComparer.Ordinal);

    public JwtSvidCache(IJwtSvidIssuer issuer, TimeProvider time, IOptions<AgentOptions> options, ServedWorkloads? served = null)
    {
        _issuer = issuer;
        _served = served;
        _time = time;
        _capacity = options.Value.JwtSvidCacheSize;
        _newPerMinute = options.Value.NewJwtAudiencesPerMinute;
    }

    /// <summary>How many JWT-SVIDs are cached.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _jwts.Count;
            }
        }
    }

    /// <inheritdoc cref="IIdentityCache.FetchJwtSvidAsync"/>
    public async Task<CachedJwtSvid> FetchAsync(WorkloadX509Svid identity, IReadOnlyList<string> audience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(audience);
        var key = Key(identity.EntryId, audience);
        var now = _time.GetUtcNow();
        CachedJwt? cached;
        Task<CachedJwt> minting;
        lock (_gate)
        {
            if (_jwts.TryGetValue(key, out cached) && now < cached.RenewAfter)
            {
                return cached.Svid;
            }

            if (!_minting.TryGetValue(key, out minting!))
            {
                if (cached is null)
                {
                    CountNewAudienceSet(identity.SpiffeId.ToString(), now);
                }

                minting = MintAsync(key, identity, [.. audience]);
                _minting[key] = minting;
            }
        }

        try
        {
            return (await minting.WaitAsync(cancellationToken)).Svid;
        }
        catch (IssuerCallException ex)
        {
            if (cached is not null && _time.GetUtcNow() < cached.Svid.ExpiresAt)
            {
                return cached.Svid;
            }

            throw new IdentityCacheNotReadyException($"could not fetch a JWT-SVID for {identity.SpiffeId}: {ex.Message}", ex);
        }
    }

    /// <inheritdoc cref="IdentityCache.ForgetJwts"/>
    public void Forget(Func<string, string?, bool> drop)
    {
        ArgumentNullException.ThrowIfNull(drop);
        lock (_gate)
        {
            foreach (var (key, value) in _jwts)
            {
                if (drop(value.EntryId, value.KeyId))
                {
                    _jwts.Remove(key);
                }
            }
        }
    }

    /// <summary>
    /// The cache key: entry id and the audiences in ordinal order, each prefixed by its length, so no
    /// audience can contain a separator that makes two different sets look alike.
    /// </summary>
    internal static string Key(string entryId, IReadOnlyList<string> audience)
    {
        var key = new StringBuilder();
        Append(key, entryId);
        foreach (var value in audience.Order(StringComparer.Ordinal))
        {
            Append(key, value);
        }

        return key.ToString();

        static void Append(StringBuilder key, string value) =>
            key.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
    }

    private void CountNewAudienceSet(string spiffeId, DateTimeOffset now)
    {
        foreach (var (id, window) in _newAudienceSets)
        {
            if (now - window.Start >= RateWindow)
            {
                _newAudienceSets.Remove(id);
            }
        }

        var (start, count) = _newAudienceSets.GetValueOrDefault(spiffeId, (now, 0));
        if (count >= _newPerMinute)
        {
            throw new JwtSvidRateLimitException(
                $"{spiffeId} asked for more than {_newPerMinute} new JWT-SVID audience sets within a minute (Agent:NewJwtAudiencesPerMinute); try again later");
        }

        _newAudienceSets[spiffeId] = (start, count + 1);
    }

    private async Task<CachedJwt> MintAsync(string key, WorkloadX509Svid identity, string[] audience)
    {
        await Task.Yield(); // out of the caller's lock before anything else runs
        try
        {
            // Shared by every caller waiting for this key, so no one caller's cancellation may end it;
            // the issuer client's own call timeout bounds it.
            var minted = await _issuer.MintJwtAsync(new MintJwtRequest(identity.EntryId, audience, _served?.For(identity.EntryId)), CancellationToken.None);
            var now = _time.GetUtcNow();
            var svid = new CachedJwtSvid(minted.SpiffeId, minted.Token, identity.Hint, minted.ExpiresAt);
            var entry = new CachedJwt(identity.EntryId, IdentityCache.JwtKeyId(minted.Token), svid, now + ((minted.ExpiresAt - now) / 2), now);
            lock (_gate)
            {
                _jwts[key] = entry;
                Evict(now);
            }

            return entry;
        }
        finally
        {
            lock (_gate)
            {
                _minting.Remove(key);
            }
        }
    }

    /// <summary>Drops expired tokens, then the oldest ones while the cache is over its size.</summary>
    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, value) in _jwts)
        {
            if (value.Svid.ExpiresAt <= now)
            {
                _jwts.Remove(key);
            }
        }

        while (_jwts.Count > _capacity)
        {
            _jwts.Remove(_jwts.MinBy(p => p.Value.MintedAt).Key);
        }
    }

    private sealed record CachedJwt(string EntryId, string? KeyId, CachedJwtSvid Svid, DateTimeOffset RenewAfter, DateTimeOffset MintedAt);
}
