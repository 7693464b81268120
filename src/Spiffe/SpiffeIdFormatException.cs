namespace IdentityIssuer.Spiffe;

/// <summary>
/// Thrown when a string is not a valid SPIFFE ID, trust domain or path. The message names the
/// defect precisely (which rule, which character, at which byte).
/// </summary>
public sealed class SpiffeIdFormatException : FormatException
{
    public SpiffeIdFormatException()
        : base("invalid SPIFFE ID")
    {
    }

    public SpiffeIdFormatException(string message)
        : base(message)
    {
    }

    public SpiffeIdFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
