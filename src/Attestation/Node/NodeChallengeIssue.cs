using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Attestation.Node;

/// <summary>What <see cref="NodeChallengeStore.TryIssue"/> did: a challenge, or why there is none.</summary>
/// <param name="Outcome">Whether a challenge was issued.</param>
/// <param name="Challenge">The challenge when <paramref name="Outcome"/> is <see cref="NodeChallengeOutcome.Issued"/>, else null.</param>
public sealed record NodeChallengeIssue(NodeChallengeOutcome Outcome, ChallengeResponse? Challenge);
