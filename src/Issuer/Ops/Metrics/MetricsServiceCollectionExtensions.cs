using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>Registers the issuer's metrics and serves them at <c>/metrics</c> on the ops listener.</summary>
internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The path of the Prometheus endpoint.</summary>
    public const string Path = "/metrics";

    /// <summary>Registers <see cref="IssuerMetrics"/> and the Prometheus exporter over the container's meter factory.</summary>
    public static IServiceCollection AddIssuerMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<PrometheusExporter>();

        // A counter only counts what happens while the exporter listens: the exporter starts listening
        // before the first instrument exists, not at the first scrape.
        services.TryAddSingleton(provider =>
        {
            provider.GetRequiredService<PrometheusExporter>();
            return ActivatorUtilities.CreateInstance<IssuerMetrics>(provider);
        });
        return services;
    }

    /// <summary>Answers <c>GET /metrics</c> with the Prometheus text format.</summary>
    public static IApplicationBuilder UseMetricsEndpoint(this IApplicationBuilder app) =>
        app.Map(Path, metrics => metrics.Run(context =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return Task.CompletedTask;
            }

            var text = context.RequestServices.GetRequiredService<PrometheusExporter>().Scrape();
            context.Response.ContentType = PrometheusExporter.ContentType;
            return context.Response.WriteAsync(text, context.RequestAborted);
        }));
}
