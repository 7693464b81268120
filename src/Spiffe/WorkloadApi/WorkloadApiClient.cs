using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using IdentityIssuer.Spiffe.Jwt;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>
/// A client of the SPIFFE Workload API over gRPC (Grpc.Net.Client, HTTP/2 without TLS) on a Unix
/// socket or a TCP address. Every call carries the <c>workload.spiffe.io: true</c> header. Failures
/// are <see cref="WorkloadApiException"/>s carrying the gRPC status. Safe for concurrent use.
/// </summary>
public sealed class WorkloadApiClient : IDisposable
{
    /// <summary>Largest response message accepted (a response carries every SVID of the caller and all bundles).</summary>
    private const int MaxResponseMessageBytes = 64 * 1024 * 1024;
    private static readonly Metadata SecurityHeader = new() { { "workload.spiffe.io", "true" } };
    private readonly GrpcChannel _channel;
    private readonly SpiffeWorkloadAPI.SpiffeWorkloadAPIClient _client;

    /// <summary>Connects to <paramref name="address"/> (<c>unix:///path</c> or <c>tcp://IP:port</c>), else to <c>SPIFFE_ENDPOINT_SOCKET</c>.</summary>
    /// <exception cref="FormatException">The address is not a valid Workload API endpoint address.</exception>
    /// <exception cref="InvalidOperationException">No address was given and <c>SPIFFE_ENDPOINT_SOCKET</c> is not set.</exception>
    public WorkloadApiClient(string? address = null)
    {
        Endpoint = address is null ? WorkloadApiAddress.FromEnvironment() : WorkloadApiAddress.Parse(address);
        var endpoint = Endpoint;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(endpoint.AddressFamily, SocketType.Stream,
                    endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException ex)
                {
                    socket.Dispose();
                    throw new HttpRequestException($"cannot connect to {endpoint}: {ex.Message}", ex);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // The authority is not used to connect (ConnectCallback does); it is the :authority of the calls.
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = MaxResponseMessageBytes,
            ThrowOperationCanceledOnCancellation = true,
        });
        _client = new SpiffeWorkloadAPI.SpiffeWorkloadAPIClient(_channel);
    }

    /// <summary>Where the client connects.</summary>
    public EndPoint Endpoint { get; }

    /// <summary>The caller's current X509-SVIDs and bundles.</summary>
    public async Task<X509Context> FetchX509ContextAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var context in WatchX509ContextAsync(cancellationToken))
        {
            return context;
        }

        throw EndedWithoutMessage("FetchX509SVID");
    }

    /// <summary>The caller's X509-SVIDs and bundles now and after every change, until cancelled or the stream fails.</summary>
    public async IAsyncEnumerable<X509Context> WatchX509ContextAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var response in Stream(_client.FetchX509SVID(new X509SVIDRequest(), SecurityHeader, cancellationToken: cancellationToken), cancellationToken))
        {
            yield return WorkloadApiResponses.ToX509Context(response);
        }
    }

    /// <summary>The X.509 bundles of the own and federated trust domains.</summary>
    public async Task<X509BundleSet> FetchX509BundlesAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var bundles in WatchX509BundlesAsync(cancellationToken))
        {
            return bundles;
        }

        throw EndedWithoutMessage("FetchX509Bundles");
    }

    /// <summary>The X.509 bundles now and after every change.</summary>
    public async IAsyncEnumerable<X509BundleSet> WatchX509BundlesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var response in Stream(_client.FetchX509Bundles(new X509BundlesRequest(), SecurityHeader, cancellationToken: cancellationToken), cancellationToken))
        {
            yield return WorkloadApiResponses.ToX509Bundles(response);
        }
    }

    /// <summary>The JWT bundles of the own and federated trust domains.</summary>
    public async Task<JwtBundleSet> FetchJwtBundlesAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var bundles in WatchJwtBundlesAsync(cancellationToken))
        {
            return bundles;
        }

        throw EndedWithoutMessage("FetchJWTBundles");
    }

    /// <summary>The JWT bundles now and after every change.</summary>
    public async IAsyncEnumerable<JwtBundleSet> WatchJwtBundlesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var response in Stream(_client.FetchJWTBundles(new JWTBundlesRequest(), SecurityHeader, cancellationToken: cancellationToken), cancellationToken))
        {
            yield return WorkloadApiResponses.ToJwtBundles(response);
        }
    }

    /// <summary>
    /// A JWT-SVID for <paramref name="audience"/>: for <paramref name="spiffeId"/> when given (it must be one
    /// of the caller's identities), else for the default identity.
    /// </summary>
    public async Task<WorkloadJwtSvid> FetchJwtSvidAsync(string audience, SpiffeId? spiffeId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(audience);
        var svids = await FetchJwtSvidsAsync([audience], spiffeId, cancellationToken);
        return svids[0];
    }

    /// <summary>JWT-SVIDs for every identity of the caller (or only <paramref name="spiffeId"/>), for all of <paramref name="audience"/>.</summary>
    public async Task<IReadOnlyList<WorkloadJwtSvid>> FetchJwtSvidsAsync(IReadOnlyList<string> audience, SpiffeId? spiffeId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audience);
        var request = new JWTSVIDRequest { SpiffeId = spiffeId?.ToString() ?? string.Empty };
        request.Audience.AddRange(audience);
        var response = await Unary(_client.FetchJWTSVIDAsync(request, SecurityHeader, cancellationToken: cancellationToken), cancellationToken);
        return WorkloadApiResponses.ToJwtSvids(response);
    }

    /// <summary>Has the agent validate <paramref name="token"/> for <paramref name="audience"/>; a rejected token is InvalidArgument.</summary>
    public async Task<ValidatedJwtSvid> ValidateJwtSvidAsync(string token, string audience, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(audience);
        var response = await Unary(_client.ValidateJWTSVIDAsync(new ValidateJWTSVIDRequest { Svid = token, Audience = audience }, SecurityHeader, cancellationToken: cancellationToken), cancellationToken);
        if (!SpiffeId.TryParse(response.SpiffeId, out var id, out var error))
        {
            throw new WorkloadApiException(GrpcStatusCode.Internal, $"the Workload API returned an invalid SPIFFE ID: {error}");
        }

        var claimsJson = response.Claims is null ? "{}" : JsonFormatter.Default.Format(response.Claims);
        using var claims = JsonDocument.Parse(claimsJson);
        return new ValidatedJwtSvid(id, claims.RootElement.Clone());
    }

    public void Dispose() => _channel.Dispose();

    private static async IAsyncEnumerable<T> Stream<T>(AsyncServerStreamingCall<T> call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (call)
        {
            while (true)
            {
                T message;
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken))
                    {
                        yield break;
                    }

                    message = call.ResponseStream.Current;
                }
                catch (RpcException e)
                {
                    throw ToException(e);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw FailedCall(call.GetStatus, call.GetTrailers);
                }

                yield return message;
            }
        }
    }

    private static async Task<T> Unary<T>(AsyncUnaryCall<T> call, CancellationToken cancellationToken)
    {
        using (call)
        {
            try
            {
                return await call;
            }
            catch (RpcException e)
            {
                throw ToException(e);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw FailedCall(call.GetStatus, call.GetTrailers);
            }
        }
    }

    /// <summary>
    /// A call that Grpc.Net.Client ended with an OperationCanceledException although the caller did not
    /// cancel (it does so when the connection cannot be made, with ThrowOperationCanceledOnCancellation):
    /// its status says why.
    /// </summary>
    private static WorkloadApiException FailedCall(Func<Status> status, Func<Metadata> trailers)
    {
        try
        {
            return ToException(new RpcException(status(), trailers()));
        }
        catch (InvalidOperationException e)
        {
            return new WorkloadApiException(GrpcStatusCode.Unavailable, "the Workload API call ended without a status", e);
        }
    }

    /// <summary>The call's status as a <see cref="WorkloadApiException"/>; a failed connection keeps the reason it failed.</summary>
    private static WorkloadApiException ToException(RpcException e) =>
        e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is HttpRequestException unreachable
            ? new WorkloadApiException(GrpcStatusCode.Unavailable, $"cannot reach the Workload API: {unreachable.Message}", unreachable)
            : new WorkloadApiException((GrpcStatusCode)(int)e.StatusCode, e.Status.Detail, e);

    private static WorkloadApiException EndedWithoutMessage(string method) =>
        new(GrpcStatusCode.Internal, $"{method} ended without sending anything");
}
