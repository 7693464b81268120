namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>Asks for an x509pop nonce.</summary>
public sealed record ChallengeRequest(string AttestationType);
