using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Issuer.Registration;

/// <summary>
/// SPIFFE IDs the issuer keeps for itself: its own server ID and the agent namespace. No workload
/// entry may claim an ID under <see cref="ReservedPrefix"/>, so no workload can pose as an agent.
/// </summary>
internal static class ReservedIds
{
    /// <summary>Every reserved ID's path starts with this.</summary>
    public const string ReservedPrefix = "/identity-issuer/";

    /// <summary>Agent IDs are <c>spiffe://TD/identity-issuer/agent/ATTESTOR/…</c>.</summary>
    public const string AgentPrefix = "/identity-issuer/agent/";

    /// <summary>The issuer's own ID, used for its bundle-endpoint certificate and as the parent of node aliases.</summary>
    public static SpiffeId Server(TrustDomain trustDomain) => SpiffeId.FromPath(trustDomain, "/identity-issuer/server");

    /// <summary>True when the path lies in the reserved namespace.</summary>
    public static bool IsReserved(SpiffeId id) => id.Path.StartsWith(ReservedPrefix, StringComparison.Ordinal);

    /// <summary>True when the ID names an agent.</summary>
    public static bool IsAgent(SpiffeId id) => id.Path.StartsWith(AgentPrefix, StringComparison.Ordinal) && id.Path.Length > AgentPrefix.Length;
}
