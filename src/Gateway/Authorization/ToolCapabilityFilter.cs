using IdentityIssuer.Gateway.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Authorization;

/// <summary>
/// The endpoint filter behind <see cref="WorkloadAuthorizationExtensions.RequireToolCapability{TBuilder}"/>:
/// the policy must allow the validated caller <c>tool:action</c> on the target; otherwise 403 with the
/// same body as the gateway. High-risk tools are refused here: approvals live in the gateway.
/// </summary>
internal sealed partial class ToolCapabilityFilter(string tool, string action, Func<HttpContext, string> target) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var logger = http.RequestServices.GetRequiredService<ILogger<ToolCapabilityFilter>>();
        var caller = http.GetWorkloadCaller();
        if (caller is null)
        {
            LogNoCaller(logger, http.Request.Path);
            return GatewayResponses.Result(StatusCodes.Status401Unauthorized, GatewayResponses.Unauthorized(missing: true));
        }

        var value = target(http);
        var decision = http.RequestServices.GetRequiredService<ToolPolicyStore>().Current.Authorize(caller.Id, tool, action, value);
        if (decision.IsAllowed && decision.Risk != RiskTier.HighRisk)
        {
            LogAllowed(logger, caller.Id.ToString(), tool, action, value, decision.Rule);
            return await next(context);
        }

        var reason = decision.IsAllowed ? "high-risk tools need an approval, which only the gateway grants" : decision.Reason;
        LogDenied(logger, caller.Id.ToString(), tool, action, value, reason);
        return GatewayResponses.Result(StatusCodes.Status403Forbidden, GatewayResponses.Denied(caller.Id.ToString(), tool, action, value));
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Allowed {SpiffeId} {Tool}:{Action} on '{Target}' by rule {Rule}")]
    private static partial void LogAllowed(ILogger logger, string spiffeId, string tool, string action, string target, string rule);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "Denied {SpiffeId} {Tool}:{Action} on '{Target}': {Reason}")]
    private static partial void LogDenied(ILogger logger, string spiffeId, string tool, string action, string target, string reason);

    [LoggerMessage(EventId = 312, Level = LogLevel.Error, Message = "RequireToolCapability on {Path} without UseWorkloadCaller() before it: refusing")]
    private static partial void LogNoCaller(ILogger logger, PathString path);
}
