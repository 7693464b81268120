using Grpc.AspNetCore.Server;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using IdentityIssuer.Shared;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Wiring of the Workload API into the agent host:
/// <code>
/// services.AddWorkloadApi(configuration);                        // options, gRPC services, socket mode
/// builder.WebHost.ConfigureKestrel(k => k.ListenWorkloadApi(options)); // the Unix socket, HTTP/2 only
/// app.MapWorkloadApi();                                          // SpiffeWorkloadAPI, grpc.health.v1, reflection
/// </code>
/// The agent registers <see cref="Cache.IIdentityCache"/> and <see cref="Cache.IWorkloadAttestation"/>.
/// </summary>
internal static class WorkloadApiServiceCollectionExtensions
{
    /// <summary>Binds and validates the <c>WorkloadApi</c> section and registers the server.</summary>
    public static WorkloadApiBuilder AddWorkloadApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<WorkloadApiOptions>().Bind(configuration.GetSection(WorkloadApiOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkloadApiOptions>, WorkloadApiOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkloadCallerAttestation>();
        services.TryAddSingleton<WorkloadStreamLimiter>();
        services.TryAddSingleton<WorkloadConnectionLimiter>();
        services.TryAddSingleton<WorkloadApiService>();
        services.TryAddSingleton<WorkloadApiInterceptor>();
        services.TryAddSingleton(_ =>
        {
            // SERVING while the agent runs: whether it has identities yet is each call's own answer
            // (Unavailable before the first sync).
            var health = new HealthServiceImpl();
            health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
            health.SetStatus(WorkloadApiService.ServiceName, HealthCheckResponse.Types.ServingStatus.Serving);
            return health;
        });
        services.AddGrpc(grpc => grpc.Interceptors.Add<WorkloadApiInterceptor>());
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<WorkloadApiOptions>>((grpc, workloadApi) =>
            grpc.MaxReceiveMessageSize = workloadApi.Value.MaxRequestMessageBytes);
        services.AddGrpcReflection();

        // Kestrel binds the socket; opening it to every local user right after bind (before listen)
        // leaves no window in which the socket exists with the umask's mode.
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<WorkloadApiOptions>>((transport, workloadApi) =>
            UnixListenSocket.SetModeBeforeListen(transport, Path.GetFullPath(workloadApi.Value.SocketPath), WorkloadApiSocket.SocketMode));

        // A connection with no call in progress (HTTP/2 with no open stream, or nothing sent yet) is
        // closed after the idle timeout; an open stream keeps its connection.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<WorkloadApiOptions>>((kestrel, workloadApi) =>
            kestrel.Limits.KeepAliveTimeout = workloadApi.Value.IdleConnectionTimeout);
        return new WorkloadApiBuilder(services);
    }

    /// <summary>
    /// Listens on the Workload API socket: h2c (HTTP/2 without TLS, prior knowledge) only, with
    /// connections bounded per caller uid and in total and the caller's peer credentials captured per
    /// connection. Creates missing directories (0755) and clears a stale socket file first.
    /// </summary>
    public static void ListenWorkloadApi(this KestrelServerOptions kestrel, WorkloadApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        var path = Path.GetFullPath(options.SocketPath);
        WorkloadApiSocket.PrepareForListen(path);
        kestrel.ListenUnixSocket(path, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(next => WorkloadApiSocket.CapturePeerCredentials(next, listen.ApplicationServices.GetRequiredService<WorkloadConnectionLimiter>()));
        });
    }

    /// <summary>
    /// Maps SpiffeWorkloadAPI, <c>grpc.health.v1.Health</c> and server reflection (<c>grpc.reflection.v1</c>
    /// and <c>v1alpha</c>). Calls that did not arrive on the Workload API socket get Unimplemented.
    /// </summary>
    public static IEndpointConventionBuilder MapWorkloadApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var workloadApi = endpoints.MapGrpcService<WorkloadApiService>();
        workloadApi.Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException("the gRPC endpoint has no request delegate");
            endpoint.RequestDelegate = context =>
            {
                context.Response.OnStarting(WorkloadApiMessageLimit.NameTheLimit, context);
                return inner(context);
            };
        });
        endpoints.MapGrpcService<HealthServiceImpl>();
        endpoints.MapGrpcReflectionService();
        return workloadApi;
    }
}
