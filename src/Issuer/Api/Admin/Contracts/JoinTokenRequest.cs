namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>Asks for a join token valid for <see cref="Ttl"/> seconds (0 for the default of 600).</summary>
public sealed record JoinTokenRequest(long Ttl);
