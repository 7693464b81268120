namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>A new single-use join token and the agent ID an agent attesting with it will get.</summary>
public sealed record JoinTokenView(string Token, string AgentId, DateTimeOffset ExpiresAt);
