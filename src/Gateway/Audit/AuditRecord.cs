using System.Text.Json;
using System.Text.Json.Serialization;

namespace IdentityIssuer.Gateway.Audit;

/// <summary>
/// One decision, written as one JSON line. Holds identifiers and the outcome only: never a request
/// or response body, a query string, a header value or a key.
/// </summary>
internal sealed record AuditRecord
{
    public required DateTimeOffset Time { get; init; }

    /// <summary>Also sent to the caller as <c>X-Gateway-Request-Id</c>.</summary>
    public required string RequestId { get; init; }

    /// <summary>The validated caller; null when the certificate was missing or invalid.</summary>
    public string? SpiffeId { get; init; }

    /// <summary>The client certificate's serial; null when there was none.</summary>
    public string? Serial { get; init; }

    public required string Method { get; init; }

    /// <summary>The request path, without the query string.</summary>
    public required string Path { get; init; }

    public string? Tool { get; init; }

    public string? Action { get; init; }

    public string? Target { get; init; }

    /// <summary><c>read</c>, <c>mutate</c>, <c>high-risk</c>, or null when no tool was involved.</summary>
    public string? Risk { get; init; }

    /// <summary><c>allow</c>, <c>deny</c> or <c>approval-required</c>.</summary>
    public required string Decision { get; init; }

    /// <summary>The policy rule that allowed the call.</summary>
    public string? Rule { get; init; }

    /// <summary>Why the call was refused (or how it was allowed without a rule).</summary>
    public string? Reason { get; init; }

    /// <summary>The approval created or consumed.</summary>
    public string? ApprovalId { get; init; }

    /// <summary>The status the upstream answered; null when the request was not forwarded.</summary>
    public int? UpstreamStatus { get; init; }

    /// <summary>The status the caller got.</summary>
    public required int Status { get; init; }

    /// <summary>From the request's arrival to the end of the answer, in milliseconds.</summary>
    public required double LatencyMs { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AuditRecord))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
