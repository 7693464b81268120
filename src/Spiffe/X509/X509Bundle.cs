using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>The X.509 authorities (CA certificates) of one trust domain.</summary>
public sealed class X509Bundle
{
    public X509Bundle(TrustDomain trustDomain, IEnumerable<X509Certificate2> authorities)
    {
        ArgumentNullException.ThrowIfNull(trustDomain);
        ArgumentNullException.ThrowIfNull(authorities);
        TrustDomain = trustDomain;
        Authorities = authorities.ToArray();
    }

    public TrustDomain TrustDomain { get; }

    public IReadOnlyList<X509Certificate2> Authorities { get; }
}
