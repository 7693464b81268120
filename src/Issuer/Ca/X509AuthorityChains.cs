using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// The CA certificate, and the chain above it, of every X.509 authority in the CA journal that can still
/// have valid SVIDs out there: of every replica, and prepared, active, old or tainted (not revoked, not
/// expired). Under an upstream CA the bundle holds only the upstream roots, so a verifier that gets a
/// bare leaf (the agent API: TLS hands over the client's leaf only) finds the intermediate here by the
/// leaf's authority key identifier. Read from the datastore at most every 10 s, and at once when an
/// unknown authority is asked for (one another replica or this one has just prepared) or after a taint
/// or revoke made here.
/// </summary>
internal sealed class X509AuthorityChains : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot? _snapshot;

    public X509AuthorityChains(IDataStore store, CaManager ca, TimeProvider time)
    {
        _store = store;
        _ca = ca;
        _time = time;
        _ca.AuthoritiesChanged += OnChanged;
    }

    /// <summary>
    /// The CA certificate of authority <paramref name="authorityId"/> (hex subject key identifier) followed
    /// by the certificates above it, leaf side first; empty when the journal has no such authority that
    /// may still be trusted.
    /// </summary>
    public async ValueTask<IReadOnlyList<X509Certificate2>> FindAsync(string authorityId, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null || _time.GetUtcNow() >= snapshot.LoadedAt + MaxAge || !snapshot.Chains.ContainsKey(authorityId))
        {
            snapshot = await ReloadAsync(snapshot, cancellationToken);
        }

        return snapshot.Chains.TryGetValue(authorityId, out var chain) && chain.NotAfter > _time.GetUtcNow() ? chain.Certificates : [];
    }

    public void Dispose()
    {
        _ca.AuthoritiesChanged -= OnChanged;
        _gate.Dispose();
    }

    private void OnChanged(object? sender, EventArgs e) => _snapshot = null;

    /// <summary>Loads the journal unless another caller did while this one waited for the gate.</summary>
    private async Task<Snapshot> ReloadAsync(Snapshot? seen, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = _snapshot;
            if (current is not null && !ReferenceEquals(current, seen) && _time.GetUtcNow() < current.LoadedAt + MaxAge)
            {
                return current;
            }

            var loadedAt = _time.GetUtcNow();
            var chains = new Dictionary<string, Chain>(StringComparer.Ordinal);
            foreach (var row in await _store.ListAuthoritiesAsync(AuthorityKind.X509, cancellationToken))
            {
                if ((row.Status is AuthorityStatus.Prepared or AuthorityStatus.Active or AuthorityStatus.Old or AuthorityStatus.Tainted) && row.NotAfter > loadedAt)
                {
                    IReadOnlyList<X509Certificate2> above = row.UpstreamChain.Length == 0 ? [] : Spiffe.X509.DerCertificates.Split(row.UpstreamChain);
                    chains[row.Id] = new Chain([X509CertificateLoader.LoadCertificate(row.PublicData), .. above], row.NotAfter);
                }
            }

            // Certificates of a replaced snapshot are left to the collector: a caller may still be validating with them.
            var snapshot = new Snapshot(chains, loadedAt);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record Chain(IReadOnlyList<X509Certificate2> Certificates, DateTimeOffset NotAfter);

    private sealed record Snapshot(IReadOnlyDictionary<string, Chain> Chains, DateTimeOffset LoadedAt);
}
