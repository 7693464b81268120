namespace IdentityIssuer.Spiffe.X509;

/// <summary>Supplies the X.509 bundle of a trust domain.</summary>
public interface IX509BundleSource
{
    /// <summary>Returns the bundle of <paramref name="td"/>, or null when it is not known.</summary>
    X509Bundle? GetX509Bundle(TrustDomain td);
}
