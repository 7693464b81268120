namespace IdentityIssuer.Agent.Cache;

/// <summary>The agent's identities as the Workload API sees them.</summary>
internal interface IIdentityCache
{
    /// <summary>The latest snapshot. Throws <see cref="IdentityCacheNotReadyException"/> before the first sync.</summary>
    IdentitySnapshot Current { get; }

    /// <summary>Completes once <see cref="Current"/> has a version above <paramref name="version"/> (at once if it already has).</summary>
    Task WaitForChangeAsync(long version, CancellationToken cancellationToken);

    /// <summary>
    /// A JWT-SVID for the entry and audience, from the cache while it has more than half its lifetime
    /// left, else freshly minted by the issuer. Throws <see cref="IdentityCacheNotReadyException"/> when
    /// the issuer cannot be reached and nothing usable is cached, and <see cref="JwtSvidRateLimitException"/>
    /// when the identity asked for too many new audience sets within a minute.
    /// </summary>
    Task<CachedJwtSvid> FetchJwtSvidAsync(WorkloadX509Svid identity, IReadOnlyList<string> audience, CancellationToken cancellationToken);

    /// <summary>
    /// Notes that a workload with <paramref name="callerSelectors"/> was handed <paramref name="svids"/>;
    /// the next SVID signed for those entries reports these selectors to the issuer's issuance record.
    /// </summary>
    void NoteServed(IReadOnlyList<WorkloadX509Svid> svids, IReadOnlySet<Attestation.Selectors.Selector> callerSelectors);
}

/// <summary>A JWT-SVID handed to a workload.</summary>
internal sealed record CachedJwtSvid(string SpiffeId, string Token, string Hint, DateTimeOffset ExpiresAt);

/// <summary>The agent has nothing to serve yet (first sync pending) or cannot reach the issuer.</summary>
internal sealed class IdentityCacheNotReadyException : Exception
{
    public IdentityCacheNotReadyException(string message)
        : base(message)
    {
    }

    public IdentityCacheNotReadyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
