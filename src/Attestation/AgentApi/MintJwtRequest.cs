namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>A JWT-SVID for an authorized entry and audience.</summary>
public sealed record MintJwtRequest(string EntryId, IReadOnlyList<string> Audience);
