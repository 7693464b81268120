using IdentityIssuer.Gateway.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Approvals;

/// <summary>The admin API on the gateway's Unix socket: list, approve and deny approval requests.</summary>
internal static partial class ApprovalEndpoints
{
    public static void MapApprovalAdmin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/approvals", (ApprovalStore store) => Results.Ok(new { approvals = store.List().Select(ApprovalView.From) }));
        endpoints.MapPost("/v1/approvals/{id}/approve", (string id, ApprovalDecisionRequest? body, ApprovalStore store, ILoggerFactory loggers) =>
        {
            var (approval, error) = store.Approve(id, body?.TtlSeconds is > 0 ? TimeSpan.FromSeconds(body.TtlSeconds.Value) : null);
            if (approval is null)
            {
                return Results.NotFound(new ErrorBody(error));
            }

            LogApproved(loggers.CreateLogger(typeof(ApprovalEndpoints)), approval.Id, approval.Caller, approval.Call.Required, approval.Call.Target, approval.ExpiresAt);
            return Results.Ok(ApprovalView.From(approval));
        });
        endpoints.MapPost("/v1/approvals/{id}/deny", (string id, ApprovalStore store, ILoggerFactory loggers) =>
        {
            var (approval, error) = store.Deny(id);
            if (approval is null)
            {
                return Results.NotFound(new ErrorBody(error));
            }

            LogDenied(loggers.CreateLogger(typeof(ApprovalEndpoints)), approval.Id, approval.Caller, approval.Call.Required, approval.Call.Target);
            return Results.Ok(ApprovalView.From(approval));
        });
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Approval {Id} granted: {SpiffeId} {Required} on '{Target}', once, until {ExpiresAt:O}")]
    private static partial void LogApproved(ILogger logger, string id, string spiffeId, string required, string target, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "Approval {Id} denied: {SpiffeId} {Required} on '{Target}'")]
    private static partial void LogDenied(ILogger logger, string id, string spiffeId, string required, string target);
}

internal sealed record ApprovalDecisionRequest(int? TtlSeconds);

/// <summary>
/// An approval as the admin API and CLI show it: the call, and what it is bound to (query, MCP
/// arguments, REST body size and SHA-256, each possibly truncated; the digest of the whole call).
/// </summary>
internal sealed record ApprovalView(
    string Id,
    string State,
    string SpiffeId,
    string Tool,
    string Action,
    string Target,
    string Query,
    string Arguments,
    string Body,
    string Digest,
    DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt)
{
    public static ApprovalView From(Approval a) =>
        new(a.Id, a.StateName, a.Caller, a.Call.Tool, a.Call.Action, a.Call.Target, a.Details.Query, a.Details.Arguments, a.Details.Body, a.Details.Digest, a.RequestedAt, a.ExpiresAt);
}
