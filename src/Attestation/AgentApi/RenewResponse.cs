namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>The renewed agent SVID chain (base64 DER, leaf first).</summary>
public sealed record RenewResponse(IReadOnlyList<string> SvidChain);
