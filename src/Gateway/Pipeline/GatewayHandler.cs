using System.Diagnostics;
using IdentityIssuer.Gateway.Approvals;
using IdentityIssuer.Gateway.Audit;
using IdentityIssuer.Gateway.Authorization;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Forwarding;
using IdentityIssuer.Gateway.Mapping;
using IdentityIssuer.Gateway.Ops;
using IdentityIssuer.Gateway.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Pipeline;

/// <summary>
/// Every request on the gateway's HTTPS listener: caller (SVID) → mapping (REST route or MCP) →
/// policy → approval for high-risk tools → forward. Each request ends in exactly one audit line,
/// whatever the outcome.
/// </summary>
internal sealed partial class GatewayHandler(
    CallerResolver callers,
    RestRouteMapper routes,
    McpOptions mcp,
    GatewayOptions gateway,
    ToolPolicyStore policies,
    ApprovalStore approvals,
    UpstreamForwarder forwarder,
    AuditLog audit,
    TimeProvider time,
    ILogger<GatewayHandler> logger,
    GatewayMetrics? metrics = null)
{
    public const string RequestIdHeader = "X-Gateway-Request-Id";

    /// <summary>Where <see cref="ForwardAsync"/> leaves the time spent waiting on the upstream, for the added-latency histogram.</summary>
    private static readonly object UpstreamTimeKey = new();

    /// <summary>The methods of MCP's Streamable HTTP transport: POST messages, GET the event stream, DELETE the session.</summary>
    private const string McpAllowedMethods = "GET, POST, DELETE";

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        context.Response.Headers[RequestIdHeader] = requestId;
        var record = new AuditRecord
        {
            Time = time.GetUtcNow(),
            RequestId = requestId,
            Method = context.Request.Method,
            Path = context.Request.Path.Value ?? "/",
            Decision = "deny",
            Status = 0,
            LatencyMs = 0,
        };
        try
        {
            record = await DecideAndForwardAsync(context, record);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            record = record with { Reason = (record.Reason is null ? string.Empty : record.Reason + "; ") + "the caller went away" };
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            record = record with { Status = context.Response.StatusCode, LatencyMs = elapsed.TotalMilliseconds };
            audit.Write(record);
            var upstream = context.Items[UpstreamTimeKey] is TimeSpan waited ? waited : TimeSpan.Zero;
            metrics?.Decided(record, elapsed - upstream);
        }
    }

    private async Task<AuditRecord> DecideAndForwardAsync(HttpContext context, AuditRecord record)
    {
        var caller = callers.Resolve(context);
        record = record with { Serial = caller.Serial.Length > 0 ? caller.Serial : null };
        if (!caller.IsValid)
        {
            LogRefused(logger, caller.Serial, context.Request.Method, context.Request.Path, caller.Error);
            await GatewayResponses.UnauthorizedAsync(context, caller.IsMissing);
            return record with { Reason = caller.Error };
        }

        var id = caller.Id!.ToString();
        record = record with { SpiffeId = id };
        if (!RequestTarget.TryRead(context, out _, out var targetError))
        {
            // What the policy would see is not what the upstream would get.
            await GatewayResponses.WriteAsync(context, StatusCodes.Status400BadRequest, new ErrorBody(targetError) { Workload = id });
            return record with { Reason = targetError };
        }

        if (UpstreamForwarder.RefusedHeader(context.Request.Headers) is { } headerError)
        {
            await GatewayResponses.WriteAsync(context, StatusCodes.Status400BadRequest, new ErrorBody(headerError) { Workload = id });
            return record with { Reason = headerError };
        }

        var isMcp = mcp.Path.Length > 0 && context.Request.Path.Equals(mcp.Path, StringComparison.Ordinal);
        if (isMcp && HttpMethods.IsPost(context.Request.Method))
        {
            return await McpAsync(context, record, caller.Id!);
        }

        if (isMcp && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsDelete(context.Request.Method)))
        {
            // GET (the server's event stream) and DELETE (end of session) carry no tool call.
            return await ForwardAsync(context, record with { Action = "mcp:" + context.Request.Method, Decision = "allow", Reason = "MCP session request" }, id, null, null);
        }

        if (isMcp)
        {
            // MCP over HTTP has no other method; whatever the upstream would do with one is not authorized.
            context.Response.Headers.Allow = McpAllowedMethods;
            await GatewayResponses.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, new ErrorBody($"method {context.Request.Method} is not allowed on the MCP path; use {McpAllowedMethods}"));
            return record with { Action = "mcp:" + context.Request.Method, Reason = $"method {context.Request.Method} not allowed on the MCP path" };
        }

        var call = routes.Map(context.Request);
        if (call is null)
        {
            // No tool call to name: the body says only who was refused.
            await GatewayResponses.WriteAsync(context, StatusCodes.Status403Forbidden, new ErrorBody(GatewayResponses.AccessDenied) { Workload = id });
            return record with { Reason = $"no route maps {context.Request.Method} {context.Request.Path}" };
        }

        return await AuthorizeAndForwardAsync(context, record, caller.Id!, call, null, null, null);
    }

    private async Task<AuditRecord> McpAsync(HttpContext context, AuditRecord record, Spiffe.SpiffeId caller)
    {
        var id = caller.ToString();
        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            await GatewayResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, new ErrorBody("MCP request too large"));
            return record with { Reason = $"MCP body over {gateway.MaxMcpRequestBytes} bytes" };
        }

        var request = McpRequest.Parse(body.GetBuffer().AsSpan(0, (int)body.Length), mcp);
        switch (request.Kind)
        {
            case McpRequestKind.ToolsCall:
                return await AuthorizeAndForwardAsync(context, record, caller, request.Call, body, null, request);
            case McpRequestKind.ToolsList:
                var callable = policies.Current.CallableTools(caller, McpRequest.CallAction);
                return await ForwardAsync(
                    context,
                    record with { Action = request.Method, Decision = "allow", Reason = $"tools/list filtered to {callable.Count} tool(s)" },
                    id,
                    body,
                    (text, mediaType) => McpToolsListFilter.Filter(text, mediaType == "text/event-stream", callable));
            case McpRequestKind.Allowed:
                return await ForwardAsync(context, record with { Action = request.Method, Decision = "allow", Reason = "allowed MCP method" }, id, body, null);
            case McpRequestKind.Other:
                await GatewayResponses.DeniedAsync(context, id, request.Call.Tool, request.Call.Action, string.Empty);
                return record with { Tool = request.Call.Tool, Action = request.Call.Action, Reason = request.Error };
            default:
                // The caller's own message, so the reason is safe to tell it.
                await GatewayResponses.WriteAsync(context, StatusCodes.Status400BadRequest, new ErrorBody("invalid MCP request: " + request.Error));
                return record with { Reason = request.Error };
        }
    }

    /// <param name="mcpRequest">The parsed MCP message of an MCP call (its arguments bind an approval); null for REST.</param>
    private async Task<AuditRecord> AuthorizeAndForwardAsync(HttpContext context, AuditRecord record, Spiffe.SpiffeId caller, ToolCall call, Stream? body, Func<string, string, string>? rewrite, McpRequest? mcpRequest)
    {
        var id = caller.ToString();
        if (call.Problem() is { } problem)
        {
            await GatewayResponses.WriteAsync(context, StatusCodes.Status400BadRequest, new ErrorBody(problem) { Workload = id });
            return record with { Tool = call.Tool, Action = call.Action, Target = call.Target, Reason = problem };
        }

        var decision = policies.Current.Authorize(caller, call.Tool, call.Action, call.Target);
        record = record with
        {
            Tool = call.Tool,
            Action = call.Action,
            Target = call.Target,
            Risk = decision.Risk == RiskTier.Unspecified ? null : RiskTiers.Name(decision.Risk),
        };
        if (!decision.IsAllowed)
        {
            LogDenied(logger, id, call.Required, call.Target, decision.Reason);
            await GatewayResponses.DeniedAsync(context, id, call.Tool, call.Action, call.Target);
            return record with { Reason = decision.Reason };
        }

        record = record with { Rule = decision.Rule };
        if (decision.Risk == RiskTier.HighRisk)
        {
            ApprovalCallDetails details;
            if (mcpRequest is not null)
            {
                details = ApprovalCallDetails.ForMcp(context.Request, mcpRequest.Arguments);
            }
            else
            {
                // The approval covers the body too: read it (bounded) and forward exactly what was digested.
                var restBody = await ReadBodyAsync(context);
                if (restBody is null)
                {
                    await GatewayResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, new ErrorBody("request body too large for an approval"));
                    return record with { Reason = $"high-risk request body over {gateway.MaxMcpRequestBytes} bytes (Gateway:MaxMcpRequestBytes)" };
                }

                details = ApprovalCallDetails.ForRest(context.Request, restBody.GetBuffer().AsSpan(0, (int)restBody.Length));
                body = restBody.Length > 0 ? restBody : null;
            }

            var granted = approvals.TryConsume(id, call, details);
            if (granted is null)
            {
                var (pending, error) = approvals.Request(id, call, details);
                if (pending is null)
                {
                    LogApprovalRefused(logger, id, call.Required, call.Target, error);
                    await GatewayResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, new ErrorBody(error)
                    {
                        Workload = id,
                        Required = call.Required,
                        Target = call.Target,
                    });
                    return record with { Reason = error };
                }

                LogApprovalRequired(logger, pending.Id, id, call.Required, call.Target);
                await GatewayResponses.WriteAsync(context, StatusCodes.Status403Forbidden, new ErrorBody(GatewayResponses.ApprovalRequired)
                {
                    Workload = id,
                    Required = call.Required,
                    Target = call.Target,
                    ApprovalId = pending.Id,
                    ExpiresAt = pending.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                });
                return record with { Decision = "approval-required", ApprovalId = pending.Id, Reason = "high-risk tool: approval required" };
            }

            record = record with { ApprovalId = granted.Id, Reason = "approval consumed" };
        }

        return await ForwardAsync(context, record with { Decision = "allow" }, id, body, rewrite);
    }

    private async Task<AuditRecord> ForwardAsync(HttpContext context, AuditRecord record, string callerId, Stream? body, Func<string, string, string>? rewrite)
    {
        var forwarding = Stopwatch.GetTimestamp();
        try
        {
            var status = await forwarder.ForwardAsync(context, callerId, body, rewrite, context.RequestAborted);
            return record with { UpstreamStatus = status };
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException)
        {
            metrics?.UpstreamFailed(ex is TimeoutException);
            LogUpstreamFailed(logger, record.RequestId, ex.Message);
            if (!context.Response.HasStarted)
            {
                context.Response.Headers.Clear();
                context.Response.Headers[RequestIdHeader] = record.RequestId;
                await GatewayResponses.WriteAsync(
                    context,
                    ex is TimeoutException ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                    new ErrorBody("upstream unavailable"));
            }

            return record with { Reason = (record.Reason is null ? string.Empty : record.Reason + "; ") + "upstream failed: " + ex.Message };
        }
        finally
        {
            context.Items[UpstreamTimeKey] = Stopwatch.GetElapsedTime(forwarding);
        }
    }

    /// <summary>Reads the whole body (bounded); null when it is larger than allowed.</summary>
    private async Task<MemoryStream?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > gateway.MaxMcpRequestBytes)
        {
            return null;
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > gateway.MaxMcpRequestBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;
        return buffer;
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Refused caller (certificate serial '{Serial}') on {Method} {Path}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string serial, string method, PathString path, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Denied {SpiffeId} {Required} on '{Target}': {Reason}")]
    private static partial void LogDenied(ILogger logger, string spiffeId, string required, string target, string reason);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Approval {ApprovalId} required: {SpiffeId} {Required} on '{Target}'")]
    private static partial void LogApprovalRequired(ILogger logger, string approvalId, string spiffeId, string required, string target);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "No approval request for {SpiffeId} {Required} on '{Target}': {Reason}")]
    private static partial void LogApprovalRefused(ILogger logger, string spiffeId, string required, string target, string reason);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Request {RequestId}: upstream failed: {Error}")]
    private static partial void LogUpstreamFailed(ILogger logger, string requestId, string error);
}
