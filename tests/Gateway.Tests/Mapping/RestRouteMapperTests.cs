using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Mapping;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Gateway.Tests.Mapping;

public sealed class RestRouteMapperTests
{
    private static readonly ToolRouteOptions[] Routes =
    [
        new() { Methods = ["GET"], Path = "/search", Tool = "search", Action = "query", Target = "{query.index}" },
        new() { Methods = ["POST"], Path = "/deploy/{service}", Tool = "deploy", Action = "run", Target = "{service}" },
        new() { Path = "/tools/{tool}/{action}/{**target}", Tool = "{tool}", Action = "{action}", Target = "{target}" },
    ];

    private static ToolCall? Map(string method, string path, string query = "")
    {
        var mapper = RestRouteMapper.Create(Routes, []);
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        return mapper.Map(context.Request);
    }

    [Fact]
    public void Map_QueryTarget() => Assert.Equal(new ToolCall("search", "query", "docs"), Map("GET", "/search", "?q=x&index=docs"));

    [Fact]
    public void Map_MissingQueryParameter_IsTheEmptyTarget() => Assert.Equal(new ToolCall("search", "query", string.Empty), Map("GET", "/search"));

    [Fact]
    public void Map_RouteValueTarget() => Assert.Equal(new ToolCall("deploy", "run", "billing"), Map("POST", "/deploy/billing"));

    [Fact]
    public void Map_CatchAllTemplate_TakesToolActionAndTargetFromThePath() =>
        Assert.Equal(new ToolCall("files", "read", "a/b/c.txt"), Map("DELETE", "/tools/files/read/a/b/c.txt"));

    [Theory]
    [InlineData("POST", "/search")]
    [InlineData("GET", "/deploy/billing")]
    [InlineData("GET", "/other")]
    public void Map_NoMatchingRoute_IsNull(string method, string path) => Assert.Null(Map(method, path));

    [Fact]
    public void Create_BadRoutes_NamesEveryKey()
    {
        var errors = new List<string>();
        RestRouteMapper.Create(
            [
                new ToolRouteOptions { Methods = ["get"], Path = "search/{", Tool = string.Empty, Action = "a" },
                new ToolRouteOptions { Path = "/x/{id}", Tool = "t", Action = "a", Target = "{nope}" },
            ],
            errors);
        Assert.Contains(errors, e => e.StartsWith("Routes:0:Path: 'search/{' is not a route template", StringComparison.Ordinal));
        Assert.Contains("Routes:0:Path: must start with /", errors);
        Assert.Contains("Routes:0:Methods: 'get' is not an upper-case HTTP method", errors);
        Assert.Contains("Routes:0:Tool: required", errors);
        Assert.Contains(errors, e => e.StartsWith("Routes:1:Target: '{nope}' is neither a parameter", StringComparison.Ordinal));
        Assert.Equal(5, errors.Count);
    }
}
