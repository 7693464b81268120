namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>The <c>Telemetry:Otlp</c> section: OTLP export of the same metrics, off unless an endpoint is set.</summary>
public sealed class TelemetryOtlpOptions
{
    /// <summary>The OTLP protocol over HTTP with protobuf bodies (port 4318 on a collector).</summary>
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>The OTLP protocol over gRPC (port 4317 on a collector).</summary>
    public const string Grpc = "grpc";

    /// <summary>
    /// Absolute http or https URL of the collector; empty turns OTLP export off. For <c>http/protobuf</c> the whole
    /// URL the metrics are posted to (<c>http://collector:4318/v1/metrics</c>), for <c>grpc</c> the collector's address.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = HttpProtobuf;

    /// <summary>How often the metrics are pushed; at least 1 s.</summary>
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromMinutes(1);
}
