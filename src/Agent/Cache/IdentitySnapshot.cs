using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Agent.Cache;

/// <summary>
/// Everything the agent can hand to workloads at one moment. Immutable; a new snapshot with a higher
/// <see cref="Version"/> replaces it on every rotation, entry change, bundle change or CRL change.
/// </summary>
internal sealed record IdentitySnapshot
{
    /// <summary>Grows by one with every change.</summary>
    public required long Version { get; init; }

    /// <summary>The agent's own trust domain.</summary>
    public required TrustDomain TrustDomain { get; init; }

    /// <summary>Every workload SVID the agent holds, for every entry.</summary>
    public required IReadOnlyList<WorkloadX509Svid> Svids { get; init; }

    /// <summary>X.509 CA certificates (concatenated DER) by trust-domain ID (<c>spiffe://td</c>), own domain included.</summary>
    public required IReadOnlyDictionary<string, byte[]> X509Bundles { get; init; }

    /// <summary>JWT keys as a standard JWKS document (only keys with kid, no use/spiffe_* members) by trust-domain ID.</summary>
    public required IReadOnlyDictionary<string, byte[]> JwtBundles { get; init; }

    /// <summary>DER CRLs to deliver with X.509 responses (empty until revocation lands).</summary>
    public IReadOnlyList<byte[]> Crls { get; init; } = [];
}
