namespace IdentityIssuer.Issuer.Datastore;

/// <summary>An agent that has attested: its SPIFFE ID, how, and its current SVID.</summary>
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
