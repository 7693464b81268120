using System.Text;
using System.Text.Json.Nodes;

namespace IdentityIssuer.Gateway.Mapping;

/// <summary>
/// Removes from a <c>tools/list</c> answer every tool the caller may not call. Handles a JSON body
/// and a <c>text/event-stream</c> body (each <c>data:</c> line a JSON-RPC message). A body that cannot
/// be read as either is replaced by a JSON-RPC error rather than passed on unfiltered.
/// </summary>
internal static class McpToolsListFilter
{
    public static string Filter(string body, bool isEventStream, IReadOnlySet<string> callable)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!isEventStream)
        {
            return FilterMessage(body, callable);
        }

        var output = new StringBuilder();
        foreach (var line in body.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            output.Append(trimmed.StartsWith("data:", StringComparison.Ordinal)
                ? "data: " + FilterMessage(trimmed["data:".Length..].TrimStart(), callable)
                : trimmed).Append('\n');
        }

        return output.ToString(0, Math.Max(0, output.Length - 1));
    }

    private static string FilterMessage(string json, IReadOnlySet<string> callable)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return Unfilterable(null);
        }

        if (node is not JsonObject message)
        {
            return Unfilterable(null);
        }

        if (message["result"] is JsonObject result && result["tools"] is JsonArray tools)
        {
            foreach (var tool in tools.ToArray())
            {
                var name = tool?["name"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? tool["name"]!.GetValue<string>() : null;
                if (name is null || !callable.Contains(name))
                {
                    tools.Remove(tool);
                }
            }
        }
        else if (message["result"] is not null)
        {
            return Unfilterable(message["id"]?.DeepClone());
        }

        return message.ToJsonString();
    }

    private static string Unfilterable(JsonNode? id) => new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id,
        ["error"] = new JsonObject { ["code"] = -32603, ["message"] = "the gateway could not filter the tools/list answer" },
    }.ToJsonString();
}
