using System.Text.Json;
using IdentityIssuer.Gateway.Configuration;

namespace IdentityIssuer.Gateway.Mapping;

/// <summary>What an MCP (JSON-RPC 2.0) POST body asks for.</summary>
internal enum McpRequestKind
{
    /// <summary>Not a single JSON-RPC request or notification: refused.</summary>
    Invalid = 0,

    /// <summary><c>tools/call</c>: authorized as tool <c>params.name</c>, action <c>call</c>.</summary>
    ToolsCall,

    /// <summary><c>tools/list</c>: allowed; the answer is filtered to the tools the caller may call.</summary>
    ToolsList,

    /// <summary>A method in <c>Mcp:AllowedMethods</c> (initialize, ping…): allowed for any valid caller.</summary>
    Allowed,

    /// <summary>Any other method: denied.</summary>
    Other,
}

/// <summary>
/// A parsed MCP request: the method, tool name and target, and for <c>tools/call</c> the arguments as
/// compact JSON (what an approval is bound to and shows; never logged). A duplicate key anywhere in
/// the message makes it invalid, so the gateway and a first-wins upstream cannot read different calls.
/// </summary>
internal sealed record McpRequest(McpRequestKind Kind, string Method, ToolCall Call, string Error)
{
    /// <summary>The <c>tools/call</c> arguments as compact JSON; empty when there are none.</summary>
    public string Arguments { get; init; } = string.Empty;

    /// <summary>The action of every MCP tool call in the policy.</summary>
    public const string CallAction = "call";

    public static McpRequest Parse(ReadOnlySpan<byte> body, McpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), Spiffe.StrictJson.DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Invalid("the body is not JSON without duplicate keys: " + ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                return Invalid("JSON-RPC batches are not accepted; send one request per POST");
            }

            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
            {
                return Invalid("not a JSON-RPC 2.0 message");
            }

            if (!root.TryGetProperty("method", out var methodElement))
            {
                // A response (result or error) the client sends back to a server request: no tool surface.
                return root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _)
                    ? new McpRequest(McpRequestKind.Allowed, "(response)", new ToolCall(string.Empty, "(response)", string.Empty), string.Empty)
                    : Invalid("a JSON-RPC request needs a method");
            }

            if (methodElement.ValueKind != JsonValueKind.String || methodElement.GetString() is not { Length: > 0 } method)
            {
                return Invalid("the method must be a non-empty string");
            }

            return method switch
            {
                "tools/call" => ToolsCall(root, options),
                "tools/list" => new McpRequest(McpRequestKind.ToolsList, method, new ToolCall(string.Empty, method, string.Empty), string.Empty),
                _ when options.AllowedMethods.Contains(method, StringComparer.Ordinal) =>
                    new McpRequest(McpRequestKind.Allowed, method, new ToolCall(string.Empty, method, string.Empty), string.Empty),
                _ => new McpRequest(McpRequestKind.Other, method, new ToolCall("mcp", method, string.Empty), $"MCP method '{method}' is not allowed"),
            };
        }
    }

    private static McpRequest ToolsCall(JsonElement root, McpOptions options)
    {
        if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || nameElement.GetString() is not { Length: > 0 } tool)
        {
            return Invalid("tools/call needs params.name");
        }

        var argument = options.TargetArguments.GetValueOrDefault(tool, options.TargetArgument);
        var target = string.Empty;
        var hasArguments = parameters.TryGetProperty("arguments", out var arguments);
        if (argument.Length > 0 && hasArguments && arguments.ValueKind == JsonValueKind.Object
            && arguments.TryGetProperty(argument, out var value))
        {
            target = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        }

        return new McpRequest(McpRequestKind.ToolsCall, "tools/call", new ToolCall(tool, CallAction, target), string.Empty)
        {
            Arguments = hasArguments ? Compact(arguments) : string.Empty,
        };
    }

    /// <summary>The element without insignificant whitespace, as its writer would serialize it.</summary>
    private static string Compact(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static McpRequest Invalid(string error) => new(McpRequestKind.Invalid, string.Empty, new ToolCall(string.Empty, string.Empty, string.Empty), error);
}
