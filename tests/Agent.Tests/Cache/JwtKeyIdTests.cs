using System.Buffers.Text;
using System.Text;
using IdentityIssuer.Agent.Cache;

namespace IdentityIssuer.Agent.Tests.Cache;

public sealed class JwtKeyIdTests
{
    [Fact]
    public void JwtKeyId_ReadsTheKidOfTheHeader_SoTaintedKeysTokensCanBeDropped()
    {
        var token = Segment("""{"alg":"ES256","kid":"jwt-key-1","typ":"JWT"}""") + "." + Segment("""{"sub":"spiffe://example.org/w"}""") + ".c2ln";

        Assert.Equal("jwt-key-1", IdentityCache.JwtKeyId(token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-dots")]
    [InlineData("!!!.e30.sig")]
    [InlineData("WyJraWQiXQ.e30.sig")]
    public void JwtKeyId_UnreadableHeader_IsNull(string token) => Assert.Null(IdentityCache.JwtKeyId(token));

    private static string Segment(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
