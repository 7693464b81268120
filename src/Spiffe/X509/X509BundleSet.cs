using System.Diagnostics.CodeAnalysis;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>
/// X.509 bundles keyed by trust domain. Bundles of different trust domains are never merged; adding a
/// bundle replaces the one held for its trust domain. Safe for concurrent use.
/// </summary>
public sealed class X509BundleSet : IX509BundleSource
{
    private readonly Dictionary<TrustDomain, X509Bundle> _bundles = [];
    private readonly Lock _lock = new();

    public X509BundleSet()
    {
    }

    public X509BundleSet(IEnumerable<X509Bundle> bundles)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        foreach (var bundle in bundles)
        {
            Add(bundle);
        }
    }

    /// <summary>The bundle of <paramref name="td"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no bundle for the trust domain.</exception>
    public X509Bundle this[TrustDomain td] =>
        GetX509Bundle(td) ?? throw new KeyNotFoundException($"no X.509 bundle for trust domain {td}");

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _bundles.Count;
            }
        }
    }

    /// <summary>A snapshot of the bundles held.</summary>
    public IReadOnlyList<X509Bundle> Bundles
    {
        get
        {
            lock (_lock)
            {
                return _bundles.Values.ToArray();
            }
        }
    }

    /// <summary>Adds <paramref name="bundle"/>, replacing any bundle of the same trust domain.</summary>
    public void Add(X509Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        lock (_lock)
        {
            _bundles[bundle.TrustDomain] = bundle;
        }
    }

    /// <summary>Removes the bundle of <paramref name="td"/>; returns false when there was none.</summary>
    public bool Remove(TrustDomain td)
    {
        ArgumentNullException.ThrowIfNull(td);
        lock (_lock)
        {
            return _bundles.Remove(td);
        }
    }

    public bool TryGetX509Bundle(TrustDomain td, [NotNullWhen(true)] out X509Bundle? bundle)
    {
        bundle = GetX509Bundle(td);
        return bundle is not null;
    }

    public X509Bundle? GetX509Bundle(TrustDomain td)
    {
        ArgumentNullException.ThrowIfNull(td);
        lock (_lock)
        {
            return _bundles.GetValueOrDefault(td);
        }
    }
}
