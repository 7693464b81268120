namespace IdentityIssuer.Spiffe.X509;

/// <summary>Thrown when a certificate chain is not a valid X509-SVID; the message names the defect.</summary>
public sealed class X509SvidException : Exception
{
    public X509SvidException()
        : base("invalid X509-SVID")
    {
    }

    public X509SvidException(string message)
        : base(message)
    {
    }

    public X509SvidException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
