using System.Text.Json;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// The issuer half of a node attestor: it checks the evidence an agent sends with
/// <c>POST /agent/v1/attest</c> and, only when the evidence proves who the node is, names the agent
/// and the node's selectors. Evidence it does not own (another attestor's payload) or cannot parse is
/// refused, never guessed at. Expected refusals are results; exceptions mean a bug or an
/// infrastructure fault (a datastore outage), not bad evidence.
/// </summary>
public interface INodeAttestor
{
    /// <summary>The attestation type this attestor owns, e.g. <c>join_token</c>; also the agent ID segment.</summary>
    string Name { get; }

    /// <summary>Checks <paramref name="payload"/>; the result is a failure unless the evidence holds.</summary>
    Task<NodeAttestationResult> AttestAsync(JsonElement payload, NodeAttestationContext context, CancellationToken cancellationToken);
}
