namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// An agent that has attested: its SPIFFE ID, how, its current SVID, and the SVID its last renewal
/// issued until the agent first uses it (then that one becomes current and the old one is refused).
/// </summary>
public sealed record AttestedNode
{
    /// <summary>The agent's SPIFFE ID.</summary>
    public required string SpiffeId { get; init; }

    /// <summary>The node attestor that admitted it, e.g. <c>join_token</c>.</summary>
    public required string AttestationType { get; init; }

    /// <summary>Serial (lowercase hex) of the agent's current SVID.</summary>
    public required string CertificateSerial { get; init; }

    /// <summary>Expiry of the agent's current SVID.</summary>
    public DateTimeOffset CertificateNotAfter { get; init; }

    /// <summary>
    /// Serial (lowercase hex) of the SVID the last renewal issued and the agent has not used yet; null
    /// when none is pending. Until it is first used the current SVID stays valid, so a renewal whose
    /// reply was lost can be asked for again with the current SVID.
    /// </summary>
    public string? NewCertificateSerial { get; init; }

    /// <summary>Expiry of the pending SVID; null when none is pending.</summary>
    public DateTimeOffset? NewCertificateNotAfter { get; init; }

    /// <summary>Selectors the node attestor produced, as <c>type:value</c> strings.</summary>
    public IReadOnlyList<string> Selectors { get; init; } = [];

    /// <summary>Whether the agent may attest again with the same evidence.</summary>
    public bool CanReattest { get; init; }

    /// <summary>Banned agents are refused.</summary>
    public bool Banned { get; init; }

    /// <summary>First attestation time.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Last time the agent was seen.</summary>
    public DateTimeOffset LastSeenAt { get; init; }
}
