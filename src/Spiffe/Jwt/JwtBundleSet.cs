using IdentityIssuer.Spiffe.Bundles;

namespace IdentityIssuer.Spiffe.Jwt;

/// <summary>
/// JWT authorities keyed by trust domain, taken from SPIFFE bundles. Adding a bundle replaces the
/// authorities held for its trust domain. Safe for concurrent use.
/// </summary>
public sealed class JwtBundleSet : IJwtBundleSource
{
    private readonly Dictionary<TrustDomain, IReadOnlyList<JwtAuthority>> _authorities = [];
    private readonly Lock _lock = new();

    public JwtBundleSet()
    {
    }

    public JwtBundleSet(IEnumerable<SpiffeBundle> bundles)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        foreach (var bundle in bundles)
        {
            Add(bundle);
        }
    }

    /// <summary>Sets the JWT authorities of the bundle's trust domain, replacing any held before.</summary>
    public void Add(SpiffeBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        Add(bundle.TrustDomain, bundle.JwtAuthorities);
    }

    /// <summary>Sets the JWT authorities of <paramref name="td"/>, replacing any held before.</summary>
    public void Add(TrustDomain td, IEnumerable<JwtAuthority> authorities)
    {
        ArgumentNullException.ThrowIfNull(td);
        ArgumentNullException.ThrowIfNull(authorities);
        var copy = authorities.ToArray();
        lock (_lock)
        {
            _authorities[td] = copy;
        }
    }

    public bool Remove(TrustDomain td)
    {
        ArgumentNullException.ThrowIfNull(td);
        lock (_lock)
        {
            return _authorities.Remove(td);
        }
    }

    public IReadOnlyList<JwtAuthority>? GetJwtAuthorities(TrustDomain td)
    {
        ArgumentNullException.ThrowIfNull(td);
        lock (_lock)
        {
            return _authorities.GetValueOrDefault(td);
        }
    }
}
