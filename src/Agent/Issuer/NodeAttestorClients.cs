using System.Text.Json;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Node;

namespace IdentityIssuer.Agent.Issuer;

/// <summary>The agent half of the configured node attestor.</summary>
internal static class NodeAttestorClients
{
    public static INodeAttestorClient Create(AgentOptions options) => options.NodeAttestor switch
    {
        "x509pop" => new X509PopAttestorClient(options.X509PopCertificateFile, options.X509PopKeyFile),
        _ when string.IsNullOrWhiteSpace(options.JoinToken) => new NoJoinToken(),
        _ => new JoinTokenAttestorClient(options.JoinToken),
    };

    /// <summary>
    /// A restart with a saved, valid SVID needs no token; only when the agent must attest does a
    /// missing token become an error, and then it says how to fix it.
    /// </summary>
    private sealed class NoJoinToken : INodeAttestorClient
    {
        public string Name => "join_token";

        public bool NeedsChallenge => false;

        public Task<JsonElement> BuildPayloadAsync(ChallengeResponse? challenge, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the agent must attest but has no join token: start it with --join-token-file FILE (or IDENTITY_AGENT_Agent__JoinToken) holding a token from 'identity-issuer token generate'");
    }
}
