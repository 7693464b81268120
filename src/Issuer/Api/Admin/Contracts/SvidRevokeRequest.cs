namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>
/// Which X509-SVIDs to revoke: exactly one of <see cref="Serial"/> (hex, colons and case ignored),
/// <see cref="SpiffeId"/>, <see cref="EntryId"/> or <see cref="AgentId"/> (what the agent obtained,
/// its own SVIDs included). <see cref="Reason"/> is free text kept with the revocation.
/// </summary>
public sealed record SvidRevokeRequest(string? Serial, string? SpiffeId, string? EntryId, string? AgentId, string? Reason);

/// <summary>The SVIDs a revocation matched; <see cref="AlreadyRevoked"/> of them had been revoked before.</summary>
public sealed record SvidRevokeView(IReadOnlyList<RevokedSvidView> Revoked, int AlreadyRevoked);

/// <summary>One revoked X509-SVID: serial (lowercase hex), SPIFFE ID, signing authority and expiry.</summary>
public sealed record RevokedSvidView(string Serial, string SpiffeId, string? EntryId, string AuthorityId, DateTimeOffset NotAfter);

/// <summary>Names the authority to taint or revoke by its id (X.509: subject key identifier, hex; JWT: kid).</summary>
public sealed record AuthorityActionRequest(string? Id);
