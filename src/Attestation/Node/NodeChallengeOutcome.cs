namespace IdentityIssuer.Attestation.Node;

/// <summary>Why a challenge was or was not issued.</summary>
public enum NodeChallengeOutcome
{
    /// <summary>Not decided; never returned, and treated as a refusal.</summary>
    Unspecified = 0,

    /// <summary>A challenge was issued.</summary>
    Issued,

    /// <summary>The source already holds the most outstanding challenges it may (answer 429).</summary>
    SourceLimit,

    /// <summary>The store is full and no source holds more than this one (answer 503, try again shortly).</summary>
    StoreFull,
}
