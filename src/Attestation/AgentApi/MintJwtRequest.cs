namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>
/// A JWT-SVID for an authorized entry and audience. <see cref="WorkloadSelectors"/> (optional, for the
/// issuance record only): the selectors of the workload that asked, as in <see cref="SignX509Item"/>.
/// </summary>
public sealed record MintJwtRequest(string EntryId, IReadOnlyList<string> Audience, IReadOnlyList<string>? WorkloadSelectors = null);
