namespace IdentityIssuer.Spiffe.Bundles;

/// <summary>Thrown when a SPIFFE bundle or JWK is malformed or unsupported; the message names the defect.</summary>
public sealed class SpiffeBundleException : Exception
{
    public SpiffeBundleException()
        : base("invalid SPIFFE bundle")
    {
    }

    public SpiffeBundleException(string message)
        : base(message)
    {
    }

    public SpiffeBundleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
