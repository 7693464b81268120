using System.Text;
using System.Text.Json.Nodes;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Mapping;

namespace IdentityIssuer.Gateway.Tests.Mapping;

public sealed class McpRequestTests
{
    private static readonly McpOptions Options = new()
    {
        Path = "/mcp",
        TargetArgument = "index",
        TargetArguments = new(StringComparer.Ordinal) { ["deploy"] = "service" },
    };

    private static McpRequest Parse(string json) => McpRequest.Parse(Encoding.UTF8.GetBytes(json), Options);

    [Fact]
    public void ToolsCall_TakesToolFromParamsNameAndTargetFromTheConfiguredArgument()
    {
        var request = Parse("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"x","index":"docs"}}}""");
        Assert.Equal(McpRequestKind.ToolsCall, request.Kind);
        Assert.Equal(new ToolCall("search", "call", "docs"), request.Call);
    }

    [Fact]
    public void ToolsCall_PerToolTargetArgument_WinsOverTheDefault()
    {
        var request = Parse("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"index":"x","service":"billing"}}}""");
        Assert.Equal(new ToolCall("deploy", "call", "billing"), request.Call);
    }

    [Fact]
    public void ToolsCall_WithoutTheArgument_HasTheEmptyTarget() =>
        Assert.Equal(new ToolCall("search", "call", string.Empty), Parse("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search"}}""").Call);

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}""", "params.name")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", "batches")]
    [InlineData("""{"id":1,"method":"ping"}""", "JSON-RPC 2.0")]
    [InlineData("not json", "not JSON")]
    public void Invalid_SaysWhy(string json, string error)
    {
        var request = Parse(json);
        Assert.Equal(McpRequestKind.Invalid, request.Kind);
        Assert.Contains(error, request.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowedAndOtherMethods()
    {
        Assert.Equal(McpRequestKind.ToolsList, Parse("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""").Kind);
        Assert.Equal(McpRequestKind.Allowed, Parse("""{"jsonrpc":"2.0","method":"notifications/initialized"}""").Kind);
        var other = Parse("""{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"file:///etc/passwd"}}""");
        Assert.Equal(McpRequestKind.Other, other.Kind);
        Assert.Equal("mcp:resources/read", other.Call.Required);
    }

    [Fact]
    public void ToolsListFilter_KeepsOnlyCallableTools_InJsonAndEventStreams()
    {
        const string answer = """{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"search"},{"name":"deploy"},{"name":"delete_index"}]}}""";
        var callable = new HashSet<string>(StringComparer.Ordinal) { "search" };

        var json = JsonNode.Parse(McpToolsListFilter.Filter(answer, isEventStream: false, callable))!;
        Assert.Equal(["search"], json["result"]!["tools"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(3, json["id"]!.GetValue<int>());

        var stream = McpToolsListFilter.Filter("event: message\ndata: " + answer + "\n\n", isEventStream: true, callable);
        var data = stream.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
        Assert.Equal(["search"], JsonNode.Parse(data)!["result"]!["tools"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.StartsWith("event: message\n", stream, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolsListFilter_UnreadableAnswer_BecomesAnErrorRatherThanPassingUnfiltered()
    {
        var filtered = JsonNode.Parse(McpToolsListFilter.Filter("""{"jsonrpc":"2.0","id":3,"result":"surprise"}""", false, new HashSet<string>()))!;
        Assert.Equal(-32603, filtered["error"]!["code"]!.GetValue<int>());
        Assert.Null(filtered["result"]);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_repo","name":"search","arguments":{"index":"docs"}}}""", "'name'")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"ping","params":{"name":"search"}}""", "'method'")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"index":"hr","index":"docs"}}}""", "'index'")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":{"a":1,"a":2},"index":"docs"}}}""", "'a'")]
    public void DuplicateKey_AnywhereInTheMessage_IsInvalidAndNamed(string json, string key)
    {
        var request = Parse(json);
        Assert.Equal(McpRequestKind.Invalid, request.Kind);
        Assert.Contains("duplicate", request.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(key, request.Error, StringComparison.Ordinal);
    }
}
