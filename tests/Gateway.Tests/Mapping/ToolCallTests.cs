using IdentityIssuer.Gateway.Mapping;

namespace IdentityIssuer.Gateway.Tests.Mapping;

public sealed class ToolCallTests
{
    [Theory]
    [InlineData("public/a.txt")]
    [InlineData("public/.hidden/a..b")]
    [InlineData("docs")]
    [InlineData("")]
    public void Problem_PlainTarget_IsNone(string target) => Assert.Null(new ToolCall("files", "read", target).Problem());

    [Theory]
    [InlineData("public/../secret")]
    [InlineData("public/./a.txt")]
    [InlineData("..")]
    [InlineData("public\\..\\secret")]
    [InlineData("public/..;/secret")]
    public void Problem_DotSegmentInTheTarget_NamesTheTarget(string target) =>
        Assert.Equal($"invalid tool call: target '{target}' has a '.' or '..' segment", new ToolCall("files", "read", target).Problem());

    [Fact]
    public void Problem_DotSegmentInTheAction_NamesTheAction() =>
        Assert.Equal("invalid tool call: action 'read/..' has a '.' or '..' segment", new ToolCall("files", "read/..", "docs").Problem());
}
