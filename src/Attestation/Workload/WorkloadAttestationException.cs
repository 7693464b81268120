namespace IdentityIssuer.Attestation.Workload;

/// <summary>An attestor could not attest a process (it exited, a platform API failed); the message says which and why.</summary>
public sealed class WorkloadAttestationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkloadAttestationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public WorkloadAttestationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public WorkloadAttestationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message, whether the caller changed, and an optional cause.</summary>
    public WorkloadAttestationException(string message, bool callerChanged, Exception? innerException = null)
        : base(message, innerException)
    {
        CallerChanged = callerChanged;
    }

    /// <summary>
    /// True when the pid no longer names the process that connected: it exited, its pid was reused
    /// (another start time), or it runs as another user than it connected as. Such a caller cannot be
    /// attested at all, which is a denial, not a fault that a retry could cure.
    /// </summary>
    public bool CallerChanged { get; }
}
