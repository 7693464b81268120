namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// What the issuer gives an attestor for one attestation: the trust domain and the issuer services
/// an attestor may need. A service left null makes the attestors that need it refuse.
/// </summary>
public sealed class NodeAttestationContext
{
    /// <summary>The issuer's trust domain name, e.g. <c>example.org</c>.</summary>
    public required string TrustDomain { get; init; }

    /// <summary>
    /// Consumes a join token by its SHA-256 hash (lowercase hex): true for exactly one caller when the
    /// token exists and has not expired, false otherwise. Atomic across issuer replicas.
    /// </summary>
    public Func<string, CancellationToken, Task<bool>>? ConsumeJoinToken { get; init; }

    /// <summary>Checks and uses up a nonce the issuer handed out for x509pop.</summary>
    public INodeChallengeVerifier? Challenges { get; init; }

    /// <summary>The clock for certificate validity checks.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
