using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using IdentityIssuer.Agent.Tests.Support;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

/// <summary>
/// Requests no real gRPC client would send (a length prefix over the limit, a truncated or second
/// message, a compressed flag, bytes that are not protobuf), written as raw HTTP/2 frames on the
/// Workload API socket: each ends with a gRPC status, never a hang or a reset.
/// </summary>
public sealed class WorkloadApiWireTests : WorkloadApiTest
{
    [Fact]
    public async Task Request_OverTheMessageLimit_IsResourceExhaustedNamingTheLimitBeforeItsBodyArrives()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        using var content = new PrefixThenHoldContent([0, 0, 0x50, 0, 0]); // 5 MiB announced, nothing more sent

        var (code, message) = await CallAsync("FetchX509SVID", content);

        Assert.Equal(8, code); // RESOURCE_EXHAUSTED
        Assert.Equal("request message exceeds the limit of 4194304 bytes (WorkloadApi:MaxRequestMessageBytes)", message);
    }

    [Theory]
    [InlineData(new byte[0], 13)] // no message: INTERNAL
    [InlineData(new byte[] { 0, 0, 0, 0, 4, 1 }, 13)] // truncated: INTERNAL
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 13)] // two messages: INTERNAL
    [InlineData(new byte[] { 1, 0, 0, 0, 0 }, 13)] // compressed without grpc-encoding: INTERNAL
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0xFF, 0xFF }, 2)] // not protobuf: UNKNOWN (Grpc.AspNetCore's answer to a request it cannot parse)
    public async Task MalformedRequest_EndsWithAStatus(byte[] body, int expected)
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        using var content = new ByteArrayContent(body);

        var (code, _) = await CallAsync("FetchX509SVID", content);

        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task Request_WithoutGrpcContentType_IsUnsupportedMediaType()
    {
        using var http = Connect();
        using var request = Request("FetchX509SVID", new ByteArrayContent([0, 0, 0, 0, 0]));
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    /// <summary>The call's grpc-status and decoded grpc-message, from a trailers-only answer or the trailers.</summary>
    private async Task<(int Code, string Message)> CallAsync(string method, HttpContent content)
    {
        using var http = Connect();
        using var request = Request(method, content);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = response.Headers.Contains("grpc-status") ? (HttpHeaders)response.Headers : null;
        if (headers is null)
        {
            await response.Content.CopyToAsync(Stream.Null, timeout.Token);
            headers = response.TrailingHeaders;
        }

        var code = int.Parse(headers.GetValues("grpc-status").Single(), CultureInfo.InvariantCulture);
        var message = headers.TryGetValues("grpc-message", out var values) ? Uri.UnescapeDataString(values.Single()) : string.Empty;
        return (code, message);
    }

    private static HttpRequestMessage Request(string method, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri("http://localhost/SpiffeWorkloadAPI/" + method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("workload.spiffe.io", "true");
        return request;
    }

    private HttpClient Connect()
    {
        var endpoint = new UnixDomainSocketEndPoint(Server.SocketPath);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Sends <paramref name="prefix"/> and then keeps the request body open until disposed.</summary>
    private sealed class PrefixThenHoldContent(byte[] prefix) : HttpContent
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(prefix);
            await stream.FlushAsync();
            await _released.Task;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            _released.TrySetResult();
            base.Dispose(disposing);
        }
    }
}
