using Grpc.Core;
using Grpc.Core.Interceptors;

namespace IdentityIssuer.Agent.Ops;

/// <summary>
/// Counts every finished gRPC call on the Workload API socket in <see cref="AgentMetrics"/>, by service,
/// method and status code. Registered first, so it sees the status the caller gets, including the
/// refusals of <see cref="WorkloadApi.WorkloadApiInterceptor"/>. Only mapped methods reach an interceptor,
/// so the labels are bounded by the services the agent serves. A stream the caller closes counts as
/// <c>Cancelled</c>.
/// </summary>
internal sealed class WorkloadApiMetricsInterceptor(AgentMetrics metrics) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(request, context);
            Record(context, null);
            return response;
        }
        catch (Exception e)
        {
            Record(context, e);
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(requestStream, context);
            Record(context, null);
            return response;
        }
        catch (Exception e)
        {
            Record(context, e);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
            Record(context, null);
        }
        catch (Exception e)
        {
            Record(context, e);
            throw;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
            Record(context, null);
        }
        catch (Exception e)
        {
            Record(context, e);
            throw;
        }
    }

    private void Record(ServerCallContext context, Exception? failure)
    {
        var code = failure switch
        {
            RpcException rpc => rpc.StatusCode,
            null when context.CancellationToken.IsCancellationRequested => StatusCode.Cancelled,
            null => context.Status.StatusCode,
            _ when context.CancellationToken.IsCancellationRequested => StatusCode.Cancelled,
            _ => StatusCode.Unknown,
        };

        // "/SpiffeWorkloadAPI/FetchX509SVID" → service SpiffeWorkloadAPI, method FetchX509SVID.
        var name = context.Method.AsSpan().TrimStart('/');
        var slash = name.LastIndexOf('/');
        var service = slash < 0 ? string.Empty : name[..slash].ToString();
        var method = slash < 0 ? name.ToString() : name[(slash + 1)..].ToString();
        metrics.WorkloadApiCall(service, method, code.ToString());
    }
}
