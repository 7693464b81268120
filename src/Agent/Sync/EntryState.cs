using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Agent.Sync;

/// <summary>
/// What the agent knows of one authorized entry: the entry and, once minted, its SVID, with the key id
/// of the CA that signed the SVID (<see cref="SignedBy"/>, the leaf's authority key identifier in
/// lowercase hex) and the leaf's serial (lowercase hex), which taints and CRLs are matched against.
/// </summary>
internal sealed record EntryState(AgentEntry Entry, Cache.WorkloadX509Svid? Svid, long MintedForRevision, DateTimeOffset RenewAt, string? SignedBy, string? Serial);
