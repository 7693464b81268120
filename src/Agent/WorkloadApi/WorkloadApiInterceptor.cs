using Grpc.Core;
using Grpc.Core.Interceptors;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Runs around every gRPC call on the Workload API socket (SpiffeWorkloadAPI, health, reflection):
/// refuses calls that did not come through the socket's listener, requires the
/// <c>workload.spiffe.io: true</c> header on SpiffeWorkloadAPI (InvalidArgument otherwise, on every
/// method), holds a place in <see cref="WorkloadStreamLimiter"/> for the call's lifetime, and logs
/// how the call ended. Health and reflection are exempt from the header: standard probes
/// (grpc_health_probe, kubelet gRPC probes, grpcurl) cannot always send it, and they hand out no identity.
/// </summary>
internal sealed partial class WorkloadApiInterceptor : Interceptor
{
    public const string SecurityHeader = "workload.spiffe.io";
    private const string WorkloadApiPrefix = "/" + WorkloadApiService.ServiceName + "/";

    private readonly WorkloadStreamLimiter _streams;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<WorkloadApiInterceptor> _logger;

    public WorkloadApiInterceptor(WorkloadStreamLimiter streams, IHostApplicationLifetime lifetime, ILogger<WorkloadApiInterceptor> logger)
    {
        _streams = streams;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>The peer credentials captured when the call's connection was accepted.</summary>
    /// <exception cref="RpcException">Unimplemented: the call did not arrive on the Workload API socket.</exception>
    public static WorkloadCallerFeature CallerOf(ServerCallContext context) =>
        context.GetHttpContext().Features.Get<WorkloadCallerFeature>()
        ?? throw WorkloadApiService.Fail(StatusCode.Unimplemented, "the Workload API is served only on its Unix socket");

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> RunAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var caller = CallerOf(context).Process;
        var method = context.Method;
        var isWorkloadApi = method.StartsWith(WorkloadApiPrefix, StringComparison.Ordinal);
        var stopping = _lifetime.ApplicationStopping;
        try
        {
            if (isWorkloadApi)
            {
                CheckSecurityHeader(context.GetHttpContext().Request.Headers[SecurityHeader]);
            }

            using var place = _streams.Enter(caller.UserId);

            // Health Watch and reflection streams do not watch the agent's lifetime themselves; end
            // them when it stops so they cannot hold up shutdown (Workload API streams answer Unavailable).
            using var abortOnStop = isWorkloadApi
                ? default
                : stopping.Register(static http => ((HttpContext)http!).Abort(), context.GetHttpContext());
            var result = await call();
            if (context.CancellationToken.IsCancellationRequested)
            {
                Log.CallerGone(_logger, method, caller.ProcessId, caller.UserId);
            }

            return result;
        }
        catch (RpcException e)
        {
            Log.CallFailed(_logger, method, caller.ProcessId, caller.UserId, e.StatusCode, e.Status.Detail);
            throw;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException && context.CancellationToken.IsCancellationRequested)
        {
            Log.CallerGone(_logger, method, caller.ProcessId, caller.UserId);
            throw;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Log.CallEndedByShutdown(_logger, method, caller.ProcessId, caller.UserId);
            throw WorkloadApiService.Fail(StatusCode.Unavailable, "the agent is shutting down");
        }
#pragma warning disable CA1031 // The last line of defence: a bug must end the call with a status that names no internals.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.CallCrashed(_logger, e, method, caller.ProcessId, caller.UserId);
            throw WorkloadApiService.Fail(StatusCode.Internal, "internal error");
        }
    }

    /// <summary>Exactly one value, and it is <c>true</c> (as SPIRE requires).</summary>
    private static void CheckSecurityHeader(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count != 1 || !string.Equals(values[0], "true", StringComparison.Ordinal))
        {
            throw WorkloadApiService.Fail(StatusCode.InvalidArgument, "security header missing from request");
        }
    }

    /// <summary>Log events 403–406 of the Workload API (see <see cref="WorkloadApiService"/>).</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 403, Level = LogLevel.Debug, Message = "{Method} from pid {Pid} uid {Uid} ended with {Code}: {Reason}")]
        public static partial void CallFailed(ILogger logger, string method, int pid, int uid, StatusCode code, string reason);

        [LoggerMessage(EventId = 404, Level = LogLevel.Debug, Message = "{Method}: pid {Pid} uid {Uid} went away")]
        public static partial void CallerGone(ILogger logger, string method, int pid, int uid);

        [LoggerMessage(EventId = 405, Level = LogLevel.Debug, Message = "{Method} from pid {Pid} uid {Uid} ended: the agent is shutting down")]
        public static partial void CallEndedByShutdown(ILogger logger, string method, int pid, int uid);

        [LoggerMessage(EventId = 406, Level = LogLevel.Error, Message = "{Method} from pid {Pid} uid {Uid} failed unexpectedly")]
        public static partial void CallCrashed(ILogger logger, Exception exception, string method, int pid, int uid);
    }
}
