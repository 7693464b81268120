namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>The <c>Telemetry</c> configuration section: which metrics are exported besides the issuer's own, and where.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Telemetry";

    /// <summary>Also export ASP.NET Core's and Kestrel's meters (requests, connections, TLS handshakes). Off by default.</summary>
    public bool AspNetCoreMetrics { get; set; }

    /// <summary>Also export the .NET runtime's <c>System.Runtime</c> meter (GC, heap, thread pool, CPU). Off by default.</summary>
    public bool RuntimeMetrics { get; set; }

    /// <summary>Push the metrics to an OpenTelemetry collector as well as serving them at <c>/metrics</c>.</summary>
    public TelemetryOtlpOptions Otlp { get; set; } = new();
}
