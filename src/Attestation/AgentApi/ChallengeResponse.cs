namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>A single-use nonce (base64) the agent signs with its node key; valid until <see cref="ExpiresAt"/>.</summary>
public sealed record ChallengeResponse(string Nonce, DateTimeOffset ExpiresAt);
