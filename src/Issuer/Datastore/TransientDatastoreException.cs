namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// A passing datastore failure (connection lost, database busy or locked, serialization conflict,
/// deadlock): the write did not land and the caller may retry it.
/// </summary>
public sealed class TransientDatastoreException : DatastoreException
{
    /// <summary>Creates the exception.</summary>
    public TransientDatastoreException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TransientDatastoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public TransientDatastoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
