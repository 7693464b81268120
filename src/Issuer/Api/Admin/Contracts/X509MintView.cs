namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>A minted X509-SVID: the chain (leaf first) and the trust bundle, both PEM.</summary>
public sealed record X509MintView(string SpiffeId, string Serial, DateTimeOffset ExpiresAt, string SvidPem, string BundlePem);
