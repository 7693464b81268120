namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// A key manager could not store, load or use a key: an unreadable or tampered key file, a wrong
/// encryption key, an I/O fault. The message names the key or file and the problem, never key
/// material. <see cref="IsTransient"/> says whether a retry may help.
/// </summary>
public class KeyManagerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KeyManagerException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public KeyManagerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public KeyManagerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message, cause and whether a retry may help.</summary>
    public KeyManagerException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>True when the failure may pass (for example an I/O error while writing).</summary>
    public bool IsTransient { get; }
}
