using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;

namespace IdentityIssuer.Bench.WorkloadApiBench;

/// <summary>
/// One Workload API call on a connection of its own, timed to its first response message: a new
/// Unix socket connection, the HTTP/2 preface and settings, the gRPC request, and the first
/// length-prefixed message read in full. No client-side parsing is inside the timing; the
/// connection is dropped afterwards (a stream is cancelled, as a workload that got what it needed).
/// </summary>
internal static class RawWorkloadCall
{
    private const string ServicePath = "/SpiffeWorkloadAPI/";
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    public static async Task<(TimeSpan Elapsed, T Message)> FirstMessageAsync<T>(
        string socketPath, string method, IMessage request, MessageParser<T> parser, CancellationToken ct)
        where T : IMessage<T>
    {
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

        var body = new byte[5 + request.CalculateSize()];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)(body.Length - 5));
        request.WriteTo(body.AsSpan(5));
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri("http://localhost" + ServicePath + method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = GrpcContentType;
        message.Headers.TryAddWithoutValidation("te", "trailers");
        message.Headers.TryAddWithoutValidation("workload.spiffe.io", "true");

        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new WorkloadCallException($"{method}: HTTP {(int)response.StatusCode}");
        }

        if (response.Headers.TryGetValues("grpc-status", out var status))
        {
            // Trailers-only: an error (or an empty OK), never a message.
            var detail = response.Headers.TryGetValues("grpc-message", out var text) ? Uri.UnescapeDataString(text.First()) : string.Empty;
            throw new WorkloadCallException($"{method}: grpc-status {status.First()} {detail}", int.Parse(status.First(), CultureInfo.InvariantCulture));
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var prefix = new byte[5];
        await stream.ReadExactlyAsync(prefix, ct);
        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1))];
        await stream.ReadExactlyAsync(payload, ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return (elapsed, parser.ParseFrom(payload));
    }
}

/// <summary>A Workload API call did not produce a message; <see cref="GrpcStatus"/> is -1 when it was not a gRPC status.</summary>
internal sealed class WorkloadCallException(string message, int grpcStatus = -1) : Exception(message)
{
    public int GrpcStatus { get; } = grpcStatus;
}
