using IdentityIssuer.Shared;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Wiring of the Workload API into the agent host:
/// <code>
/// services.AddWorkloadApi(configuration);                        // options, server, socket mode
/// builder.WebHost.ConfigureKestrel(k => k.ListenWorkloadApi(options)); // the Unix socket, HTTP/2 only
/// app.MapWorkloadApi();                                          // POST /SpiffeWorkloadAPI/{method}
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
        services.TryAddSingleton<WorkloadApiServer>();
        services.AddRouting();

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

    /// <summary>Maps the gRPC paths. Requests that did not arrive on the Workload API socket get 404.</summary>
    public static IEndpointConventionBuilder MapWorkloadApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapPost("/{service}/{method}", (HttpContext context, string service, string method) =>
            context.RequestServices.GetRequiredService<WorkloadApiServer>().HandleAsync(context, service, method));
        return group;
    }
}
