using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>
/// Join tokens are stored and named only by their SHA-256 hash: the database, the logs and the agent
/// ID never hold the token itself. The <c>join_token</c> node attestor owns the derivation, so the ID
/// printed by <c>token generate</c> is the one the agent gets.
/// </summary>
internal static class JoinTokens
{
    /// <summary>Lowercase hex SHA-256 of the token.</summary>
    public static string Hash(string token) => JoinTokenAttestor.HashToken(token);

    /// <summary>The agent ID a node attesting with the token gets: derived from the hash, not the token.</summary>
    public static SpiffeId AgentId(TrustDomain trustDomain, string tokenHash) =>
        SpiffeId.FromPath(trustDomain, JoinTokenAttestor.AgentPathFor(tokenHash));
}
