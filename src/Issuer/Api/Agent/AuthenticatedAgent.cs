using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>An agent proven by its current SVID: its ID, its node record and the bundle it was checked against.</summary>
internal sealed record AuthenticatedAgent(SpiffeId AgentId, AttestedNode Node, SpiffeBundle Bundle);
