using System.Text.Json;

namespace IdentityIssuer.Gateway.Policy;

/// <summary>Reads a JSON policy (comments and trailing commas allowed) into <see cref="PolicyNode"/>s.</summary>
internal static class JsonPolicyReader
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The document's root, or null after adding why it is not JSON to <paramref name="problems"/>.</summary>
    public static PolicyNode? Read(string json, List<string> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(json, Options);
            return Convert(document.RootElement);
        }
        catch (JsonException ex)
        {
            problems.Add($"not valid JSON: {ex.Message}");
            return null;
        }
    }

    private static PolicyNode Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new PolicyMap(string.Empty, [.. element.EnumerateObject().Select(p => new PolicyMapEntry(p.Name, string.Empty, Convert(p.Value)))]),
        JsonValueKind.Array => new PolicyList(string.Empty, [.. element.EnumerateArray().Select(Convert)]),
        JsonValueKind.String => new PolicyScalar(string.Empty, element.GetString()),
        _ => new PolicyScalar(string.Empty, null),
    };
}
