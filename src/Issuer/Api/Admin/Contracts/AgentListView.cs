namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>One page of attested agents and the token for the next page (null on the last).</summary>
public sealed record AgentListView(IReadOnlyList<AgentView> Agents, string? NextPageToken);
