namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>Renewal: a CSR (base64 DER) for a fresh agent key.</summary>
public sealed record RenewRequest(string Csr);
