namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Base of the datastore's expected failures; <see cref="IsTransient"/> says whether a retry may help.</summary>
public class DatastoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatastoreException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DatastoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public DatastoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the failure is a passing one (connection lost, serialization conflict).</summary>
    public virtual bool IsTransient => false;
}

/// <summary>An entry with the same SPIFFE ID, parent ID and selector set already exists.</summary>
public sealed class DuplicateEntryException : DatastoreException
{
    /// <summary>Creates the exception naming the existing entry.</summary>
    public DuplicateEntryException(string existingEntryId)
        : base($"an entry with the same SPIFFE ID, parent ID and selectors already exists: {existingEntryId}")
    {
        ExistingEntryId = existingEntryId;
    }

    /// <summary>Creates the exception.</summary>
    public DuplicateEntryException()
    {
        ExistingEntryId = string.Empty;
    }

    /// <summary>Creates the exception with a message.</summary>
    public DuplicateEntryException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExistingEntryId = string.Empty;
    }

    /// <summary>Id of the entry that already has this identity.</summary>
    public string ExistingEntryId { get; }
}

/// <summary>The named row does not exist.</summary>
public sealed class NotFoundException : DatastoreException
{
    /// <summary>Creates the exception.</summary>
    public NotFoundException()
    {
    }

    /// <summary>Creates the exception with a message naming what was missing.</summary>
    public NotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public NotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
