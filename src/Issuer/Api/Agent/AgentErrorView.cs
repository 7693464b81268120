namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>The agent API's error body: <c>{"error": "…"}</c>.</summary>
internal sealed record AgentErrorView(string Error);
