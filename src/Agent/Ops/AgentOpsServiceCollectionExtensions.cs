using System.Net;
using Grpc.AspNetCore.Server;
using IdentityIssuer.Shared;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Ops;

/// <summary>
/// The agent's ops listener: <c>GET /metrics</c> (Prometheus text), <c>/health/live</c> and
/// <c>/health/ready</c> on plain HTTP at <c>Ops:Address</c>:<c>Ops:Port</c>, apart from the Workload API socket.
/// <code>
/// services.AddAgentOps(configuration);          // options, metrics, health checks, the Workload API call counter
/// kestrel.ListenAgentOps(options);               // the TCP listener (none when Ops:Port is 0)
/// app.UseAgentOps();                             // answers every request that came in over TCP
/// </code>
/// </summary>
internal static class AgentOpsServiceCollectionExtensions
{
    /// <summary>Binds and validates <c>Ops</c>, registers <see cref="AgentMetrics"/>, the exporter and the readiness check.</summary>
    public static IServiceCollection AddAgentOps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentOpsOptions>().Bind(configuration.GetSection(AgentOpsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOpsOptions>, AgentOpsOptionsValidator>());
        services.TryAddSingleton<AgentMetrics>();
        services.TryAddSingleton<WorkloadApiMetricsInterceptor>();
        services.AddServiceMetrics("identity-agent", [AgentMetrics.MeterName]);
        services.AddHealthChecks().AddCheck<AgentReadinessHealthCheck>("agent", tags: ["ready"]);

        // First in the chain, so the count has the status the caller got from the interceptors after it.
        services.Configure<GrpcServiceOptions>(grpc =>
        {
            var others = grpc.Interceptors.ToList();
            grpc.Interceptors.Clear();
            grpc.Interceptors.Add<WorkloadApiMetricsInterceptor>();
            foreach (var other in others)
            {
                grpc.Interceptors.Add(other);
            }
        });
        return services;
    }

    /// <summary>Listens on <c>Ops:Address</c>:<c>Ops:Port</c> unless the port is 0.</summary>
    public static void ListenAgentOps(this KestrelServerOptions kestrel, AgentOpsOptions options)
    {
        if (options.Port > 0 && IPAddress.TryParse(options.Address, out var address))
        {
            kestrel.Listen(address, options.Port);
        }
    }

    /// <summary>
    /// Serves the ops endpoints to requests that arrived over TCP (the Workload API socket has no IP
    /// address); anything else on that listener is 404, and no gRPC service is reachable through it.
    /// </summary>
    public static IApplicationBuilder UseAgentOps(this IApplicationBuilder app) =>
        app.MapWhen(context => context.Connection.LocalIpAddress is not null, ops =>
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
