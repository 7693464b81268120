using IdentityIssuer.Agent.Cache;

namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>
/// A real <see cref="IIdentityCache"/> held in memory: tests publish the SVIDs and bundles the agent
/// would have synced, and every publish is a new snapshot with the next version. JWT-SVIDs are signed
/// with the trust domain's JWT key.
/// </summary>
internal sealed class InMemoryIdentityCache : IIdentityCache
{
    private readonly Lock _lock = new();
    private readonly TestTrustDomain _trustDomain;
    private IdentitySnapshot? _current;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public InMemoryIdentityCache(TestTrustDomain trustDomain)
    {
        _trustDomain = trustDomain;
    }

    /// <summary>When set, JWT-SVIDs cannot be had (as when the issuer is unreachable).</summary>
    public bool IssuerUnreachable { get; set; }

    /// <summary>When set, JWT-SVIDs are refused as when a workload asked for too many new audiences.</summary>
    public bool RateLimited { get; set; }

    /// <summary>Which workload each entry's SVIDs were handed to, as the agent's own cache notes it.</summary>
    public ServedWorkloads Served { get; } = new();

    /// <summary>Extra X.509 bundles (foreign trust domains) to publish, by trust-domain ID.</summary>
    public Dictionary<string, byte[]> ForeignX509Bundles { get; } = [];

    public IdentitySnapshot Current
    {
        get
        {
            lock (_lock)
            {
                return _current ?? throw new IdentityCacheNotReadyException("the first sync has not completed");
            }
        }
    }

    public void NoteServed(IReadOnlyList<WorkloadX509Svid> svids, IReadOnlySet<IdentityIssuer.Attestation.Selectors.Selector> callerSelectors) =>
        Served.Served(svids, callerSelectors);

    /// <summary>Publishes a new snapshot holding <paramref name="svids"/> and the trust domain's bundles.</summary>
    public IdentitySnapshot Publish(params WorkloadX509Svid[] svids)
    {
        TaskCompletionSource changed;
        IdentitySnapshot snapshot;
        lock (_lock)
        {
            var x509 = new Dictionary<string, byte[]>(ForeignX509Bundles) { [_trustDomain.TrustDomain.IdString] = _trustDomain.X509BundleDer };
            snapshot = new IdentitySnapshot
            {
                Version = (_current?.Version ?? 0) + 1,
                TrustDomain = _trustDomain.TrustDomain,
                Svids = svids,
                X509Bundles = x509,
                JwtBundles = new Dictionary<string, byte[]> { [_trustDomain.TrustDomain.IdString] = _trustDomain.JwksBytes },
            };
            _current = snapshot;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return snapshot;
    }

    public async Task WaitForChangeAsync(long version, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_current is not null && _current.Version > version)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    public Task<CachedJwtSvid> FetchJwtSvidAsync(WorkloadX509Svid identity, IReadOnlyList<string> audience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (IssuerUnreachable)
        {
            throw new IdentityCacheNotReadyException("the issuer cannot be reached");
        }

        if (RateLimited)
        {
            throw new JwtSvidRateLimitException($"{identity.SpiffeId} asked for too many new JWT-SVID audience sets within a minute (Agent:NewJwtAudiencesPerMinute)");
        }

        var expiresAt = DateTimeOffset.UtcNow.AddMinutes(5);
        var token = _trustDomain.MintJwt(identity.SpiffeId.ToString(), audience, expiresAt);
        return Task.FromResult(new CachedJwtSvid(identity.SpiffeId.ToString(), token, identity.Hint, expiresAt));
    }
}
