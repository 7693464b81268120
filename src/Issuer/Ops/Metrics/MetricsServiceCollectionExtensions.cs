using IdentityIssuer.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>
/// Registers the issuer's metrics with OpenTelemetry: the Prometheus scrape endpoint at <c>/metrics</c> on the
/// ops listener, optional OTLP export (<c>Telemetry:Otlp</c>), and ASP.NET Core and runtime meters on request.
/// </summary>
internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The path of the Prometheus endpoint.</summary>
    public const string Path = ServiceMetrics.Path;

    /// <summary>The content type of the Prometheus text format, the only format served (as before OpenTelemetry).</summary>
    public const string ContentType = ServiceMetrics.ContentType;

    /// <summary>Binds <c>Telemetry</c>, registers <see cref="IssuerMetrics"/> and the OpenTelemetry meter provider with its exporters.</summary>
    public static IServiceCollection AddIssuerMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        services.TryAddSingleton<IssuerMetrics>();
        var telemetry = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();

        var local = new List<string> { IssuerMetrics.MeterName };
        if (telemetry.AspNetCoreMetrics)
        {
            local.Add("Microsoft.AspNetCore");
        }

        // The runtime's meter is process-wide (Global).
        string[] global = telemetry.RuntimeMetrics ? ["System.Runtime"] : [];
        services.AddServiceMetrics("identity-issuer", local, global, metrics =>
        {
            if (!string.IsNullOrEmpty(telemetry.Otlp.Endpoint))
            {
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = new Uri(telemetry.Otlp.Endpoint);
                    exporter.Protocol = telemetry.Otlp.Protocol == TelemetryOtlpOptions.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)telemetry.Otlp.ExportInterval.TotalMilliseconds;
                });
            }
        });
        return services;
    }

    /// <summary>Answers <c>GET /metrics</c> (and HEAD) with the Prometheus text format; other methods get 405.</summary>
    public static IApplicationBuilder UseMetricsEndpoint(this IApplicationBuilder app) => app.UsePrometheusScrapeEndpoint();
}
