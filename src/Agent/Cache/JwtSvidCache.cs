using System.Collections.Concurrent;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Agent.Cache;

/// <summary>
/// The JWT-SVIDs the agent minted for its workloads, by entry and audience, reused while they have
/// more than half their lifetime left.
/// </summary>
internal sealed class JwtSvidCache
{
    private readonly IJwtSvidIssuer _issuer;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedJwt> _jwts = new(StringComparer.Ordinal);

    public JwtSvidCache(IJwtSvidIssuer issuer, TimeProvider time)
    {
        _issuer = issuer;
        _time = time;
    }

    /// <summary>How many JWT-SVIDs are cached.</summary>
    public int Count => _jwts.Count;

    /// <inheritdoc cref="IIdentityCache.FetchJwtSvidAsync"/>
    public async Task<CachedJwtSvid> FetchAsync(WorkloadX509Svid identity, IReadOnlyList<string> audience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(audience);
        var key = identity.EntryId + "\n" + string.Join("\n", audience.Order(StringComparer.Ordinal));
        var now = _time.GetUtcNow();
        _jwts.TryGetValue(key, out var cachedEntry);
        var cached = cachedEntry;
        if (cached is not null && now < cached.RenewAfter)
        {
            return cached.Svid;
        }

        try
        {
            var minted = await _issuer.MintJwtAsync(new MintJwtRequest(identity.EntryId, audience), cancellationToken);
            var svid = new CachedJwtSvid(minted.SpiffeId, minted.Token, identity.Hint, minted.ExpiresAt);
            _jwts[key] = new CachedJwt(identity.EntryId, IdentityCache.JwtKeyId(minted.Token), svid, now + ((minted.ExpiresAt - now) / 2));
            PruneExpired(now);
            return svid;
        }
        catch (IssuerCallException ex)
        {
            if (cached is not null && now < cached.Svid.ExpiresAt)
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
        foreach (var (key, value) in _jwts)
        {
            if (drop(value.EntryId, value.KeyId))
            {
                _jwts.TryRemove(key, out _);
            }
        }
    }

    private void PruneExpired(DateTimeOffset now)
    {
        foreach (var (key, value) in _jwts)
        {
            if (value.Svid.ExpiresAt <= now)
            {
                _jwts.TryRemove(key, out _);
            }
        }
    }

    private sealed record CachedJwt(string EntryId, string? KeyId, CachedJwtSvid Svid, DateTimeOffset RenewAfter);
}
