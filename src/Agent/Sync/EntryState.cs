using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Agent.Sync;

/// <summary>What the agent knows of one authorized entry: the entry and, once minted, its SVID.</summary>
internal sealed record EntryState(AgentEntry Entry, Cache.WorkloadX509Svid? Svid, long MintedForRevision, DateTimeOffset RenewAt, string? SignedBy);
