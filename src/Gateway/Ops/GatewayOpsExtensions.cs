using System.Diagnostics.Metrics;
using System.Net;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Policy;
using IdentityIssuer.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdentityIssuer.Gateway.Ops;

/// <summary>
/// The gateway's ops listener: <c>GET /metrics</c> (Prometheus text), <c>/health/live</c> and
/// <c>/health/ready</c> on plain HTTP at <c>Ops:Address</c>:<c>Ops:Port</c>, apart from the mTLS tool surface
/// and the admin socket. Its connections are marked, so requests are routed by the listener they came in on.
/// </summary>
internal static class GatewayOpsExtensions
{
    private static readonly object Marker = new();

    /// <summary>Registers <see cref="GatewayMetrics"/>, the exporter and the readiness check.</summary>
    public static IServiceCollection AddGatewayOps(this IServiceCollection services, GatewaySettings settings)
    {
        services.TryAddSingleton(sp => new GatewayMetrics(
            sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<ToolPolicyStore>(), settings.Mcp, settings.Routes, settings.Metrics));
        services.AddServiceMetrics("identity-gateway", [GatewayMetrics.MeterName]);
        services.AddHealthChecks().AddCheck<GatewayReadinessHealthCheck>("gateway", tags: ["ready"]);
        return services;
    }

    /// <summary>Listens on <c>Ops:Address</c>:<c>Ops:Port</c> unless the port is 0.</summary>
    public static void ListenGatewayOps(this KestrelServerOptions kestrel, GatewayOpsOptions options)
    {
        if (options.Port > 0 && IPAddress.TryParse(options.Address, out var address))
        {
            kestrel.Listen(address, options.Port, listen => listen.Use(next => connection =>
            {
                connection.Items[Marker] = Marker;
                return next(connection);
            }));
        }
    }

    /// <summary>Serves the ops endpoints to requests that arrived on the ops listener; anything else there is 404.</summary>
    public static IApplicationBuilder UseGatewayOps(this IApplicationBuilder app) =>
        app.MapWhen(context => context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(Marker) == true, ops =>
        {
            ops.UsePrometheusScrapeEndpoint();
            ops.UseHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
            ops.UseHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
            ops.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
}
