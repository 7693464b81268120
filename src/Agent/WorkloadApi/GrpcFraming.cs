using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using IdentityIssuer.Spiffe.WorkloadApi;
using Microsoft.Extensions.Primitives;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// The gRPC over HTTP/2 framing, server side: each message is a 5-byte prefix (compressed flag, then
/// the length as a 4-byte big-endian integer) and the protobuf bytes; the outcome is the
/// <c>grpc-status</c> and percent-encoded <c>grpc-message</c> trailers, or headers when nothing
/// else was sent (a trailers-only response).
/// </summary>
internal static class GrpcFraming
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    private const int PrefixLength = 5;

    /// <summary>True for <c>application/grpc</c> and its <c>+proto</c> / parameter forms.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        return rest.IsEmpty || rest[0] is ';' || rest.StartsWith("+proto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Reads exactly one request message and the end of the request stream (the Workload API has no
    /// client-streaming methods).
    /// </summary>
    /// <exception cref="GrpcStatusException">ResourceExhausted when the message exceeds <paramref name="maxMessageBytes"/>,
    /// Unimplemented for a compressed message, Internal for a malformed or missing message or a second message.</exception>
    public static async Task<T> ReadSingleMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageBytes, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(parser);
        T? message = default;
        var haveMessage = false;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            try
            {
                if (!haveMessage && buffer.Length >= PrefixLength)
                {
                    var length = ReadPrefix(buffer, maxMessageBytes);
                    if (buffer.Length >= PrefixLength + length)
                    {
                        var body = buffer.Slice(PrefixLength, length);
                        try
                        {
                            message = parser.ParseFrom(body);
                        }
                        catch (InvalidProtocolBufferException)
                        {
                            throw new GrpcStatusException(GrpcStatusCode.Internal, "could not parse the request message");
                        }

                        haveMessage = true;
                        consumed = body.End;
                        buffer = buffer.Slice(consumed);
                    }
                }

                if (haveMessage && !buffer.IsEmpty)
                {
                    throw new GrpcStatusException(GrpcStatusCode.Internal, "expected one request message, received more");
                }

                if (result.IsCompleted)
                {
                    if (!haveMessage)
                    {
                        throw new GrpcStatusException(GrpcStatusCode.Internal, buffer.IsEmpty
                            ? "the request has no message"
                            : "the request ended inside a message");
                    }

                    return message!;
                }
            }
            finally
            {
                reader.AdvanceTo(consumed, buffer.End);
            }
        }
    }

    /// <summary>Writes one length-prefixed message and flushes it to the client.</summary>
    public static async Task WriteMessageAsync(PipeWriter writer, IMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        var size = message.CalculateSize();
        var span = writer.GetSpan(PrefixLength + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(PrefixLength, size));
        writer.Advance(PrefixLength + size);
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>Writes one length-prefixed message that is already serialized, and flushes it.</summary>
    public static async Task WriteMessageAsync(PipeWriter writer, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var span = writer.GetSpan(PrefixLength + message.Length);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)message.Length);
        message.Span.CopyTo(span[PrefixLength..]);
        writer.Advance(PrefixLength + message.Length);
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Sets the call's outcome: as trailers when the response has started, else as headers of a
    /// trailers-only response.
    /// </summary>
    public static void SetStatus(HttpResponse response, GrpcStatusCode code, string? message)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var encoded = string.IsNullOrEmpty(message) ? null : GrpcStatusMessage.Encode(message);
        if (!response.HasStarted)
        {
            response.Headers[StatusHeader] = status;
            if (encoded is not null)
            {
                response.Headers[MessageHeader] = encoded;
            }

            return;
        }

        response.AppendTrailer(StatusHeader, status);
        if (encoded is not null)
        {
            response.AppendTrailer(MessageHeader, new StringValues(encoded));
        }
    }

    private static int ReadPrefix(ReadOnlySequence<byte> buffer, int maxMessageBytes)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength];
        buffer.Slice(0, PrefixLength).CopyTo(prefix);
        if (prefix[0] != 0)
        {
            throw new GrpcStatusException(GrpcStatusCode.Unimplemented, "compressed messages are not supported");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        if (length > (uint)maxMessageBytes)
        {
            throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted,
                $"request message of {length} bytes exceeds the limit of {maxMessageBytes} bytes");
        }

        return (int)length;
    }
}
