using IdentityIssuer.Spiffe;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Gateway.Authorization;

/// <summary>The validated caller of a request: its SPIFFE ID and certificate serial.</summary>
public sealed class WorkloadCaller(SpiffeId id, string serial)
{
    public SpiffeId Id { get; } = id;

    /// <summary>The leaf certificate's serial, lower-case hex.</summary>
    public string Serial { get; } = serial;
}

/// <summary>Reads the caller that <see cref="WorkloadCallerMiddleware"/> validated.</summary>
public static class WorkloadCallerHttpContextExtensions
{
    /// <summary>The validated caller, or null when the request did not pass the middleware.</summary>
    public static WorkloadCaller? GetWorkloadCaller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<WorkloadCaller>();
    }
}
