using IdentityIssuer.Spiffe.WorkloadApi;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>Ends a call with a gRPC status; the message is sent to the caller, so it must hold nothing secret.</summary>
internal sealed class GrpcStatusException : Exception
{
    public GrpcStatusException(GrpcStatusCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public GrpcStatusCode Code { get; }
}
