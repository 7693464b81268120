using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>
/// gRPC over HTTP/2 (h2c, prior knowledge) from the client side, in the framing of the gRPC HTTP/2
/// protocol: one request message, then the response messages until the trailers (or a trailers-only
/// response) give the status.
/// </summary>
internal static class GrpcUnixCall
{
    private const int PrefixLength = 5;
    private const int MaxResponseMessageBytes = 64 * 1024 * 1024;
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    public static async IAsyncEnumerable<TResponse> CallAsync<TResponse>(
        HttpClient http,
        string path,
        IMessage request,
        MessageParser<TResponse> parser,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        using var response = await SendAsync(http, path, request, cancellationToken);
        var stream = await OpenBodyAsync(response, cancellationToken);
        if (stream is null)
        {
            yield break; // trailers-only OK: no messages
        }

        await using (stream)
        {
            while (true)
            {
                var message = await ReadMessageAsync(stream, parser, cancellationToken);
                if (message is null)
                {
                    break;
                }

                yield return message;
            }
        }

        ThrowIfError(response.TrailingHeaders, "trailers");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, IMessage request, CancellationToken cancellationToken)
    {
        var body = new byte[PrefixLength + request.CalculateSize()];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)(body.Length - PrefixLength));
        request.WriteTo(body.AsSpan(PrefixLength));
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri("http://localhost" + path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = GrpcContentType;
        message.Headers.TryAddWithoutValidation("te", "trailers");
        message.Headers.TryAddWithoutValidation("workload.spiffe.io", "true");
        try
        {
            return await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new WorkloadApiException(GrpcStatusCode.Unavailable, $"cannot reach the Workload API: {e.Message}", e);
        }
    }

    /// <summary>The response body, or null for a successful trailers-only response.</summary>
    private static async Task<Stream?> OpenBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new WorkloadApiException(FromHttpStatus(response.StatusCode), $"the Workload API answered HTTP {(int)response.StatusCode}");
        }

        if (response.Headers.Contains("grpc-status"))
        {
            ThrowIfError(response.Headers, "headers");
            return null;
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            throw new WorkloadApiException(GrpcStatusCode.Internal, $"the Workload API answered with content type '{contentType}', not application/grpc");
        }

        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    private static async Task<TResponse?> ReadMessageAsync<TResponse>(Stream stream, MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        try
        {
            var prefix = new byte[PrefixLength];
            var read = await stream.ReadAtLeastAsync(prefix, PrefixLength, throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
            {
                return default;
            }

            if (read < PrefixLength)
            {
                throw new WorkloadApiException(GrpcStatusCode.Internal, "the response ended inside a message prefix");
            }

            if (prefix[0] != 0)
            {
                throw new WorkloadApiException(GrpcStatusCode.Internal, "the response message is compressed, which was not asked for");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1));
            if (length > MaxResponseMessageBytes)
            {
                throw new WorkloadApiException(GrpcStatusCode.ResourceExhausted, $"response message of {length} bytes exceeds the limit of {MaxResponseMessageBytes} bytes");
            }

            var body = new byte[length];
            await stream.ReadExactlyAsync(body, cancellationToken);
            return parser.ParseFrom(body);
        }
        catch (EndOfStreamException e)
        {
            throw new WorkloadApiException(GrpcStatusCode.Internal, "the response ended inside a message", e);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new WorkloadApiException(GrpcStatusCode.Internal, $"could not parse the response message: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw new WorkloadApiException(GrpcStatusCode.Unavailable, $"the Workload API connection broke: {e.Message}", e);
        }
    }

    private static void ThrowIfError(HttpHeaders headers, string where)
    {
        if (!headers.TryGetValues("grpc-status", out var statusValues))
        {
            throw new WorkloadApiException(GrpcStatusCode.Internal, $"the response {where} carry no grpc-status");
        }

        var text = statusValues.FirstOrDefault();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            throw new WorkloadApiException(GrpcStatusCode.Internal, $"the response has an invalid grpc-status '{text}'");
        }

        if (code == 0)
        {
            return;
        }

        var message = headers.TryGetValues("grpc-message", out var messages) ? GrpcStatusMessage.Decode(messages.FirstOrDefault()) : string.Empty;
        var status = Enum.IsDefined((GrpcStatusCode)code) ? (GrpcStatusCode)code : GrpcStatusCode.Unknown;
        throw new WorkloadApiException(status, message);
    }

    /// <summary>The gRPC mapping of HTTP status codes for responses that are not gRPC at all.</summary>
    private static GrpcStatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };
}
