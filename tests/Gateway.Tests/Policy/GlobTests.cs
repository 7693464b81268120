using IdentityIssuer.Gateway.Policy;

namespace IdentityIssuer.Gateway.Tests.Policy;

public sealed class GlobTests
{
    [Theory]
    [InlineData("docs/*", "docs/a", true)]
    [InlineData("docs/*", "docs/", true)]
    [InlineData("docs/*", "docs/a/b", false)]
    [InlineData("docs/**", "docs/a/b", true)]
    [InlineData("docs/**", "docs", false)]
    [InlineData("**", "", true)]
    [InlineData("*", "", true)]
    [InlineData("*", "a/b", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "a/c", false)]
    [InlineData("a.c", "abc", false)] // regex characters are literal
    [InlineData("(x)+", "(x)+", true)]
    [InlineData("Docs", "docs", false)] // case-sensitive
    [InlineData("prod-*-eu", "prod-1-eu", true)]
    [InlineData("docs", "docs\n", false)] // a trailing newline is not the end of the value
    [InlineData("docs", "x\ndocs", false)]
    public void IsMatch(string pattern, string value, bool expected) => Assert.Equal(expected, Glob.Compile(pattern).IsMatch(value));
}
