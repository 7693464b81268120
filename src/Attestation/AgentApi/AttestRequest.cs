namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>
/// Node attestation. <see cref="Payload"/> is attestor-specific JSON:
/// <c>join_token</c>: <c>{"token": "…"}</c>;
/// <c>x509pop</c>: <c>{"certificates": ["base64 DER", …] (leaf first), "nonce": "base64", "signature": "base64"}</c>
/// where the signature is over the nonce bytes with the leaf's key (ECDSA: DER, SHA-256; RSA: PKCS#1 v1.5, SHA-256).
/// <see cref="Csr"/> is the base64 DER PKCS#10 request for the agent's SVID; only its public key is used.
/// </summary>
public sealed record AttestRequest(string AttestationType, System.Text.Json.JsonElement Payload, string Csr);
