using IdentityIssuer.Spiffe.Bundles;

namespace IdentityIssuer.Spiffe.Jwt;

/// <summary>Supplies the JWT authorities of a trust domain.</summary>
public interface IJwtBundleSource
{
    /// <summary>Returns the JWT authorities of <paramref name="td"/>, or null when the trust domain is unknown.</summary>
    IReadOnlyList<JwtAuthority>? GetJwtAuthorities(TrustDomain td);
}
