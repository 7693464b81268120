using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>
/// Registers the issuer's metrics with OpenTelemetry: the Prometheus scrape endpoint at <c>/metrics</c> on the
/// ops listener, optional OTLP export (<c>Telemetry:Otlp</c>), and ASP.NET Core and runtime meters on request.
/// </summary>
internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The path of the Prometheus endpoint.</summary>
    public const string Path = "/metrics";

    /// <summary>The content type of the Prometheus text format, the only format served (as before OpenTelemetry).</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The name OpenTelemetry's <see cref="IMetricsListener"/> registers under; metric rules name it.</summary>
    private const string ListenerName = "OpenTelemetry";

    /// <summary>Binds <c>Telemetry</c>, registers <see cref="IssuerMetrics"/> and the OpenTelemetry meter provider with its exporters.</summary>
    public static IServiceCollection AddIssuerMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        services.TryAddSingleton<IssuerMetrics>();
        var telemetry = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();

        // Meters are enabled by rules rather than OpenTelemetry's AddMeter: AddMeter matches a meter of that
        // name from any IMeterFactory in the process, a Local rule only the ones of this container, so two
        // hosts in one process keep their measurements apart. The runtime's meter is process-wide (Global).
        services.AddMetrics(metrics =>
        {
            metrics.EnableMetrics(IssuerMetrics.MeterName, instrumentName: null, ListenerName, MeterScope.Local);
            if (telemetry.AspNetCoreMetrics)
            {
                metrics.EnableMetrics("Microsoft.AspNetCore", instrumentName: null, ListenerName, MeterScope.Local);
            }

            if (telemetry.RuntimeMetrics)
            {
                metrics.EnableMetrics("System.Runtime", instrumentName: null, ListenerName, MeterScope.Global);
            }
        });

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("identity-issuer"))
            .WithMetrics(metrics =>
            {
                metrics.AddPrometheusExporter(prometheus =>
                {
                    // The names stay those of the hand-written exporter this replaced: counters get _total,
                    // units already end the gauge names, and no target_info family or otel_scope_* labels are added.
                    prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                    prometheus.TargetInfoEnabled = false;
                    prometheus.ScopeInfoEnabled = false;
                });
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
    public static IApplicationBuilder UseMetricsEndpoint(this IApplicationBuilder app) =>
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null, predicate: null, path: Path, configureBranchedPipeline: metrics => metrics.Use((context, next) =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return Task.CompletedTask;
            }

            // Text format 0.0.4 whatever the scraper accepts: in OpenMetrics a counter family loses its _total
            // and gains _created samples. The content type is set here so that an empty answer has it too.
            context.Request.Headers.Accept = StringValues.Empty;
            context.Response.ContentType = ContentType;
            return next(context);
        }), optionsName: null);
}
