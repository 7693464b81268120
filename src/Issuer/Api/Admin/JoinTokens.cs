using System.Security.Cryptography;
using System.Text;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>
/// Join tokens are stored and named only by their SHA-256 hash: the database, the logs and the agent
/// ID never hold the token itself.
/// </summary>
internal static class JoinTokens
{
    /// <summary>Lowercase hex SHA-256 of the token.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The agent ID a node attesting with the token gets: derived from the hash, not the token.</summary>
    public static SpiffeId AgentId(TrustDomain trustDomain, string tokenHash) =>
        SpiffeId.FromPath(trustDomain, $"{ReservedIds.AgentPrefix}join_token/{tokenHash[..32]}");
}
