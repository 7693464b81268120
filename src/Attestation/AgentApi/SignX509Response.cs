namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>The signed SVIDs, in request order.</summary>
public sealed record SignX509Response(IReadOnlyList<SignedX509Svid> Svids);

/// <summary>An SVID chain (base64 DER, leaf first) for an entry.</summary>
public sealed record SignedX509Svid(string EntryId, string SpiffeId, IReadOnlyList<string> Chain, DateTimeOffset ExpiresAt);
