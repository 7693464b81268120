namespace IdentityIssuer.Issuer.Ca;

/// <summary>The CA cannot do what was asked; the message names the cause (a file, a setting, a request field).</summary>
public sealed class CaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CaException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
