namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>Names the agent to evict, ban or unban by its SPIFFE ID.</summary>
public sealed record AgentActionRequest(string? AgentId);
