using System.IO.Pipelines;
using IdentityIssuer.Agent.WorkloadApi;
using IdentityIssuer.Spiffe.WorkloadApi;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

public sealed class GrpcFramingTests
{
    [Fact]
    public async Task Read_OneMessageThenEnd_ReturnsIt()
    {
        var request = new JWTSVIDRequest { SpiffeId = "spiffe://example.org/web" };
        request.Audience.Add("aud");

        var read = await ReadAsync(Frame(0, Google.Protobuf.MessageExtensions.ToByteArray(request)), JWTSVIDRequest.Parser);

        Assert.Equal(request, read);
    }

    [Fact]
    public async Task Read_MessageOverTheLimit_IsResourceExhaustedBeforeItsBodyArrives()
    {
        var prefixOnly = new byte[] { 0, 0, 0x50, 0, 0 }; // 5 MiB announced, nothing more sent

        var e = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(prefixOnly, X509SVIDRequest.Parser, complete: false));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.Code);
    }

    [Theory]
    [InlineData(new byte[0], GrpcStatusCode.Internal)] // no message
    [InlineData(new byte[] { 0, 0, 0, 0, 4, 1 }, GrpcStatusCode.Internal)] // truncated
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, GrpcStatusCode.Internal)] // two messages
    [InlineData(new byte[] { 1, 0, 0, 0, 0 }, GrpcStatusCode.Unimplemented)] // compressed
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0xFF, 0xFF }, GrpcStatusCode.Internal)] // not protobuf
    public async Task Read_MalformedRequest_FailsWithAStatus(byte[] body, GrpcStatusCode code)
    {
        var e = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(body, X509SVIDRequest.Parser));

        Assert.Equal(code, e.Code);
    }

    [Theory]
    [InlineData("security header missing from request", "security header missing from request")]
    [InlineData("100% sure: ünïcode\n", "100%25 sure: %C3%BCn%C3%AFcode%0A")]
    public void StatusMessage_IsPercentEncodedAndDecodesBack(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcStatusMessage.Encode(message));
        Assert.Equal(message, GrpcStatusMessage.Decode(encoded));
    }

    private static byte[] Frame(byte flag, byte[] message)
    {
        var framed = new byte[5 + message.Length];
        framed[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    private static async Task<T> ReadAsync<T>(byte[] body, Google.Protobuf.MessageParser<T> parser, bool complete = true)
        where T : Google.Protobuf.IMessage<T>
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(body);
        if (complete)
        {
            await pipe.Writer.CompleteAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await GrpcFraming.ReadSingleMessageAsync(pipe.Reader, parser, 4 * 1024 * 1024, timeout.Token);
    }
}
