using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Primitives;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace IdentityIssuer.Shared;

/// <summary>
/// Compiled into each service (linked source): the OpenTelemetry meter provider with the Prometheus
/// exporter, and the <c>GET /metrics</c> endpoint on the service's ops listener, the same for the
/// issuer, the agent and the gateway. Each service names its own meter; other exporters (the issuer's
/// OTLP) are added through <c>configure</c>.
/// </summary>
internal static class ServiceMetrics
{
    /// <summary>The path of the Prometheus endpoint.</summary>
    public const string Path = "/metrics";

    /// <summary>The content type of the Prometheus text format, the only format served.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The name OpenTelemetry's <see cref="IMetricsListener"/> registers under; metric rules name it.</summary>
    private const string ListenerName = "OpenTelemetry";

    /// <summary>
    /// Registers the meter provider for <paramref name="serviceName"/>, exporting the meters of
    /// <paramref name="localMeters"/> (created from this container's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>)
    /// and <paramref name="globalMeters"/> (process-wide ones such as <c>System.Runtime</c>).
    /// </summary>
    public static IServiceCollection AddServiceMetrics(
        this IServiceCollection services,
        string serviceName,
        IReadOnlyCollection<string> localMeters,
        IReadOnlyCollection<string>? globalMeters = null,
        Action<MeterProviderBuilder>? configure = null)
    {
        // Meters are enabled by rules rather than OpenTelemetry's AddMeter: AddMeter matches a meter of that
        // name from any IMeterFactory in the process, a Local rule only the ones of this container, so two
        // hosts in one process keep their measurements apart.
        services.AddMetrics(metrics =>
        {
            foreach (var meter in localMeters)
            {
                metrics.EnableMetrics(meter, instrumentName: null, ListenerName, MeterScope.Local);
            }

            foreach (var meter in globalMeters ?? [])
            {
                metrics.EnableMetrics(meter, instrumentName: null, ListenerName, MeterScope.Global);
            }
        });

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddPrometheusExporter(prometheus =>
                {
                    // Counters get _total, units already end the names, and no target_info family or
                    // otel_scope_* labels are added: the names are exactly those the docs list.
                    prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                    prometheus.TargetInfoEnabled = false;
                    prometheus.ScopeInfoEnabled = false;
                });
                configure?.Invoke(metrics);
            });
        return services;
    }

    /// <summary>Answers <c>GET /metrics</c> (and HEAD) with the Prometheus text format; other methods get 405.</summary>
    public static IApplicationBuilder UsePrometheusScrapeEndpoint(this IApplicationBuilder app) =>
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
