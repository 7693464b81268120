namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>
/// A successful attestation: the agent ID, its SVID chain (base64 DER, leaf first), the trust bundle as
/// SPIFFE bundle JSON, and whether the agent may attest again with the same evidence.
/// </summary>
public sealed record AttestResponse(string AgentId, IReadOnlyList<string> SvidChain, string Bundle, bool CanReattest);
