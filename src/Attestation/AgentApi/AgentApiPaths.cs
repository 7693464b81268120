namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>
/// The issuer's agent API: JSON over HTTPS on its own port (AgentApi:Port, default 8081).
/// <see cref="Attest"/> and <see cref="Challenge"/> take no client certificate (the agent validates the
/// issuer against its bootstrap bundle); every other path requires mTLS with the agent's current SVID.
/// Errors are <c>{"error": "…"}</c> with 400 (bad request), 401 (no or invalid client SVID),
/// 403 (attestation refused, banned, evicted or not entitled), 429 (this address holds too many unused
/// challenges) or 503 (try again).
/// </summary>
public static class AgentApiPaths
{
    /// <summary>POST <see cref="AttestRequest"/> → <see cref="AttestResponse"/>. No client certificate.</summary>
    public const string Attest = "/agent/v1/attest";

    /// <summary>POST <see cref="ChallengeRequest"/> → <see cref="ChallengeResponse"/>: a single-use nonce for x509pop. No client certificate.</summary>
    public const string Challenge = "/agent/v1/attest/challenge";

    /// <summary>POST <see cref="RenewRequest"/> → <see cref="RenewResponse"/>: a new agent SVID for a new key. mTLS.</summary>
    public const string Renew = "/agent/v1/renew";

    /// <summary>GET ?afterRevision=N&amp;pageToken=T&amp;crlVersion=V → <see cref="SyncResponse"/>. mTLS.</summary>
    public const string Sync = "/agent/v1/sync";

    /// <summary>POST <see cref="SignX509Request"/> → <see cref="SignX509Response"/>: batch signing of workload CSRs. mTLS.</summary>
    public const string SignX509 = "/agent/v1/svids/x509";

    /// <summary>POST <see cref="MintJwtRequest"/> → <see cref="MintJwtResponse"/>. mTLS.</summary>
    public const string MintJwt = "/agent/v1/svids/jwt";
}
