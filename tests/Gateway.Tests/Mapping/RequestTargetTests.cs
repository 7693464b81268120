using IdentityIssuer.Gateway.Mapping;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace IdentityIssuer.Gateway.Tests.Mapping;

public sealed class RequestTargetTests
{
    /// <summary>A request with <paramref name="rawTarget"/> on the request line and <paramref name="path"/> as Kestrel decoded it.</summary>
    private static (bool Ok, string? PathAndQuery, string? Error) Read(string rawTarget, string path)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        context.Request.Path = path;
        var ok = RequestTarget.TryRead(context, out var pathAndQuery, out var error);
        return (ok, pathAndQuery, error);
    }

    [Theory]
    [InlineData("/files/public/a.txt", "/files/public/a.txt")]
    [InlineData("/files/public/a%20b.txt", "/files/public/a b.txt")]
    [InlineData("/files/public/a.txt?index=public%2F..%2Fsecret", "/files/public/a.txt")]
    [InlineData("/files/.hidden/..x/a..b", "/files/.hidden/..x/a..b")]
    [InlineData("/", "/")]
    public void TryRead_PathThatDecodesOneWay_IsForwardedAsSent(string raw, string path) =>
        Assert.Equal((true, raw, null), Read(raw, path));

    [Theory]
    [InlineData("/files/public/../secret", "..")]
    [InlineData("/files/public/./secret", ".")]
    [InlineData("/files/public/%2e%2e/secret", "%2e%2e")]
    [InlineData("/files/public/%2E./secret", "%2E.")]
    [InlineData("/files/public/%252e%252e/secret", "%252e%252e")]
    [InlineData("/files/public/%25252e%25252e/secret", "%25252e%25252e")]
    [InlineData("/files/public/..;/secret", "..;")]
    [InlineData("/files/public/%2e%2e;x=1/secret", "%2e%2e;x=1")]
    public void TryRead_DotSegment_IsRefusedNamingTheSegment(string raw, string segment)
    {
        var (ok, pathAndQuery, error) = Read(raw, "/files/secret");
        Assert.False(ok);
        Assert.Null(pathAndQuery);
        Assert.Equal($"invalid request path: segment '{segment}' is a dot segment ('.' or '..', encoded or not)", error);
    }

    [Theory]
    [InlineData("/files/public/..%2Fsecret", "..%2Fsecret")]
    [InlineData("/files/public/..%2fsecret", "..%2fsecret")]
    [InlineData("/files/public/..%252Fsecret", "..%252Fsecret")]
    [InlineData("/files/public/..%5Csecret", "..%5Csecret")]
    [InlineData("/files/public/a%5c", "a%5c")]
    public void TryRead_EncodedSlash_IsRefusedNamingTheSegment(string raw, string segment)
    {
        var (ok, _, error) = Read(raw, Uri.UnescapeDataString(raw));
        Assert.False(ok);
        Assert.Equal($"invalid request path: segment '{segment}' encodes a '/' or '\\'", error);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("http://upstream.internal/files/public/a.txt")]
    [InlineData("")]
    public void TryRead_TargetThatIsNotAPath_IsRefused(string raw) =>
        Assert.Equal((false, null, "invalid request target: only a path starting with / is forwarded"), Read(raw, "/files/public/a.txt"));

    [Fact]
    public void TryRead_PathThatDecodesToAnotherThanTheMappedOne_IsRefused() =>
        Assert.Equal((false, null, "invalid request path: it does not decode to one unambiguous path"), Read("/files/public/a.txt", "/files/private/a.txt"));
}
