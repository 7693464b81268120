using System.Text.Json;
using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// The agent half of a node attestor: builds the payload of <see cref="AttestRequest"/>. When
/// <see cref="NeedsChallenge"/> is true the agent first asks the issuer for a nonce
/// (<see cref="AgentApiPaths.Challenge"/>) and passes it in.
/// </summary>
public interface INodeAttestorClient
{
    /// <summary>The attestation type, sent as <see cref="AttestRequest.AttestationType"/>.</summary>
    string Name { get; }

    /// <summary>Whether <see cref="BuildPayloadAsync"/> needs a challenge from the issuer.</summary>
    bool NeedsChallenge { get; }

    /// <summary>The attestor-specific payload; <paramref name="challenge"/> is null when none is needed.</summary>
    Task<JsonElement> BuildPayloadAsync(ChallengeResponse? challenge, CancellationToken cancellationToken);
}
