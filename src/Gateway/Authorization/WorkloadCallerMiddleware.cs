using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Authorization;

/// <summary>
/// For a tool API that terminates mTLS itself (<see cref="Identity.WorkloadMtls.UseWorkloadMtls"/>):
/// every request needs a valid X509-SVID. No certificate → 401 <c>{"error":"missing workload identity"}</c>;
/// an invalid one → 401 <c>{"error":"invalid workload identity"}</c>, with the reason in the log only.
/// The validated caller is then available through <see cref="WorkloadCallerHttpContextExtensions.GetWorkloadCaller"/>.
/// </summary>
internal sealed partial class WorkloadCallerMiddleware(RequestDelegate next, CallerResolver resolver, ILogger<WorkloadCallerMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var result = resolver.Resolve(context);
        if (!result.IsValid)
        {
            LogRefused(logger, result.Serial, context.Request.Method, context.Request.Path, result.Error);
            return GatewayResponses.UnauthorizedAsync(context, result.IsMissing);
        }

        context.Features.Set(new WorkloadCaller(result.Id!, result.Serial));
        return next(context);
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Refused caller (certificate serial '{Serial}') on {Method} {Path}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string serial, string method, PathString path, string reason);
}
