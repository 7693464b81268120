namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>Issuer health as the admin API reports it.</summary>
public sealed record HealthView(string Status, string TrustDomain, string X509AuthorityId, DateTimeOffset X509AuthorityNotAfter, string JwtKeyId);
