using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Gateway.Authorization;

/// <summary>The JSON error bodies callers see; they never carry more than the caller already knows.</summary>
internal static class GatewayResponses
{
    public const string MissingIdentity = "missing workload identity";
    public const string InvalidIdentity = "invalid workload identity";
    public const string AccessDenied = "access denied";
    public const string ApprovalRequired = "approval required";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static Task WriteAsync(HttpContext context, int status, ErrorBody body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json), context.RequestAborted);
    }

    /// <summary>The same bodies as results, for endpoint filters (the endpoint writes them).</summary>
    public static IResult Result(int status, ErrorBody body) => Results.Json(body, Json, statusCode: status);

    public static ErrorBody Unauthorized(bool missing) => new(missing ? MissingIdentity : InvalidIdentity);

    public static ErrorBody Denied(string workload, string tool, string action, string target) =>
        new(AccessDenied) { Workload = workload, Required = tool + ":" + action, Target = target };

    public static Task UnauthorizedAsync(HttpContext context, bool missing) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, Unauthorized(missing));

    public static Task DeniedAsync(HttpContext context, string workload, string tool, string action, string target) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, Denied(workload, tool, action, target));
}

/// <summary><c>{"error": …, "workload": …, "required": "tool:action", "target": …, "approvalId": …}</c>.</summary>
internal sealed record ErrorBody(string Error)
{
    public string? Workload { get; init; }

    public string? Required { get; init; }

    public string? Target { get; init; }

    public string? ApprovalId { get; init; }

    public string? ExpiresAt { get; init; }
}
