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
}
