namespace IdentityIssuer.Issuer.Registration;

/// <summary>A registration request was refused; <see cref="Errors"/> lists every problem found.</summary>
public sealed class EntryValidationException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public EntryValidationException(IReadOnlyList<FieldError> errors)
        : base(string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public EntryValidationException()
    {
        Errors = [];
    }

    /// <summary>Creates the exception with a message.</summary>
    public EntryValidationException(string message)
        : base(message)
    {
        Errors = [new FieldError("request", message)];
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public EntryValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new FieldError("request", message)];
    }

    /// <summary>Every problem, each naming its field.</summary>
    public IReadOnlyList<FieldError> Errors { get; }
}
