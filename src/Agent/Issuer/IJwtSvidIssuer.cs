using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Agent.Issuer;

/// <summary>Who mints JWT-SVIDs for the agent's cache: the issuer, through <see cref="IssuerClient"/>.</summary>
internal interface IJwtSvidIssuer
{
    /// <summary>Mints a JWT-SVID; throws <see cref="IssuerCallException"/> when the issuer refuses or cannot be reached.</summary>
    Task<MintJwtResponse> MintJwtAsync(MintJwtRequest request, CancellationToken cancellationToken);
}
