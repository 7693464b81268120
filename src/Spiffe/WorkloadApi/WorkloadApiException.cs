namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>
/// A Workload API call failed with a gRPC status. <see cref="StatusCode"/> says what to do:
/// InvalidArgument is a client bug (do not retry); PermissionDenied and Unavailable are worth retrying
/// with backoff; Unimplemented means the agent does not offer the method.
/// </summary>
public sealed class WorkloadApiException : Exception
{
    public WorkloadApiException()
        : this(GrpcStatusCode.Unknown, "Workload API call failed")
    {
    }

    public WorkloadApiException(string message)
        : this(GrpcStatusCode.Unknown, message)
    {
    }

    public WorkloadApiException(string message, Exception innerException)
        : this(GrpcStatusCode.Unknown, message, innerException)
    {
    }

    public WorkloadApiException(GrpcStatusCode statusCode, string statusMessage, Exception? innerException = null)
        : base($"Workload API call failed with {statusCode}: {statusMessage}", innerException)
    {
        StatusCode = statusCode;
        StatusMessage = statusMessage;
    }

    /// <summary>The gRPC status code the call ended with.</summary>
    public GrpcStatusCode StatusCode { get; }

    /// <summary>The status message as the server sent it (decoded).</summary>
    public string StatusMessage { get; }
}
