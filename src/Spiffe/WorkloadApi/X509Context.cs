using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>One X509-SVID response of the Workload API: the caller's SVIDs and every trust bundle it may use.</summary>
public sealed class X509Context
{
    internal X509Context(IReadOnlyList<X509SvidWithKey> svids, X509BundleSet bundles, IReadOnlyList<byte[]> crls)
    {
        Svids = svids;
        Bundles = bundles;
        Crls = crls;
    }

    /// <summary>The SVIDs, never empty; later ones with a hint already seen are dropped.</summary>
    public IReadOnlyList<X509SvidWithKey> Svids { get; }

    /// <summary>The default identity: the first SVID.</summary>
    public X509SvidWithKey DefaultSvid => Svids[0];

    /// <summary>The own trust domain's bundle and the federated ones.</summary>
    public X509BundleSet Bundles { get; }

    /// <summary>DER certificate revocation lists sent with the SVIDs.</summary>
    public IReadOnlyList<byte[]> Crls { get; }
}
