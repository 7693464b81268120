using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Agent.Cache;

/// <summary>
/// A workload X509-SVID held by the agent for one registration entry: the entry's selectors (which
/// callers may have it), the chain (leaf first, concatenated DER) and the unencrypted PKCS#8 key
/// generated on this agent.
/// </summary>
internal sealed record WorkloadX509Svid
{
    /// <summary>The registration entry that earned it.</summary>
    public required string EntryId { get; init; }

    /// <summary>The SPIFFE ID in the SVID.</summary>
    public required SpiffeId SpiffeId { get; init; }

    /// <summary>A caller gets this SVID when its selectors include all of these.</summary>
    public required IReadOnlyList<Selector> Selectors { get; init; }

    /// <summary>Leaf first, then intermediates, concatenated DER with no separators (Workload API field 2).</summary>
    public required byte[] ChainDer { get; init; }

    /// <summary>Unencrypted PKCS#8 DER private key (Workload API field 3).</summary>
    public required byte[] PrivateKeyPkcs8 { get; init; }

    /// <summary>Operator hint; empty when none.</summary>
    public string Hint { get; init; } = string.Empty;

    /// <summary>When the entry was created: of two SVIDs with the same hint the older entry's wins.</summary>
    public DateTimeOffset EntryCreatedAt { get; init; }

    /// <summary>Expiry of the leaf.</summary>
    public DateTimeOffset NotAfter { get; init; }
}
