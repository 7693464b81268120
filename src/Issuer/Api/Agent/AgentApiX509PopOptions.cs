namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>The <c>AgentApi:X509Pop</c> section.</summary>
public sealed class AgentApiX509PopOptions
{
    /// <summary>PEM file of the CA certificates node certificates must chain to; empty disables x509pop.</summary>
    public string CaBundleFile { get; set; } = string.Empty;

    /// <summary>
    /// Unused, unexpired challenges one address (an IPv6 /64) may hold; more get 429. Bounds what one
    /// unauthenticated caller can take of the issuer's challenge slots.
    /// </summary>
    public int MaxChallengesPerAddress { get; set; } = Attestation.Node.NodeChallengeStore.DefaultMaxPerSource;
}
